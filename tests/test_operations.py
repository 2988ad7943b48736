"""Readiness, metrics, request ids and JSON logs, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlmodel import Session

from api.app import create_app
from api.clock import FixedClock
from api.logging_setup import JsonFormatter, configure_logging, request_id
from api.settings import Settings
from tests.conftest import NOW, TEST_SOLVER


def samples_of(families: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str) -> dict:
    return families.get(name, {})


def scrape(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            found.setdefault(sample.name, {})[labels] = sample.value
    return found


def test_readyz_is_ready_with_each_check_named(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200
    checks = answer.json()["checks"]
    assert set(checks) == {"database", "migrations", "reminder_loop"}
    assert all(c["ok"] for c in checks.values())
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(("revision", "says"), [("0005", "rota db upgrade"), ("9999", "newer")])
def test_readyz_names_a_schema_not_at_the_code_head(
    client: TestClient, session: Session, revision: str, says: str
) -> None:
    (head,) = session.exec(text("SELECT version_num FROM alembic_version")).one()  # type: ignore[call-overload]
    session.exec(text("UPDATE alembic_version SET version_num = :v").bindparams(v=revision))  # type: ignore[call-overload]
    session.commit()
    try:
        answer = client.get("/readyz")
    finally:  # the PostgreSQL database is reused by the next test
        session.exec(text("UPDATE alembic_version SET version_num = :v").bindparams(v=head))  # type: ignore[call-overload]
        session.commit()
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["failed"] == ["migrations"]
    assert says in body["detail"]
    assert body["checks"]["database"]["ok"] is True
    # Liveness does not care: the process answers.
    assert client.get("/healthz").status_code == 200


@pytest.fixture
def looping(database_url: str) -> Iterator[tuple[TestClient, FixedClock]]:
    clock = FixedClock(NOW)
    settings = Settings(
        database_url=database_url,
        reminders_enabled=True,
        reminder_interval=3600,  # no pass runs during the test: the clock says how long ago
        **TEST_SOLVER,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings, clock)) as client:
        yield client, clock


def test_readyz_fails_when_the_reminder_loop_is_silent_for_two_intervals(
    looping: tuple[TestClient, FixedClock],
) -> None:
    client, clock = looping
    clock.set(NOW + timedelta(hours=2))
    assert client.get("/readyz").status_code == 200
    clock.set(NOW + timedelta(hours=2, seconds=1))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failed"] == ["reminder_loop"]


def test_metrics_count_requests_by_route_template(client: TestClient, samples: None) -> None:
    before = scrape(client)
    key = (("method", "GET"), ("route", "/v1/teams/{team}/on-support"), ("status", "401"))
    count = samples_of(before, "rota_http_requests_total").get(key, 0.0)
    for team in ("payments", "storefront"):
        client.get(f"/v1/teams/{team}/on-support")
    after = scrape(client)
    assert after["rota_http_requests_total"][key] == count + 2
    # One series per route, never per team.
    assert not any("payments" in str(k) for k in after["rota_http_requests_total"])
    histogram = after["rota_http_request_duration_seconds_count"]
    assert histogram[(("method", "GET"), ("route", "/v1/teams/{team}/on-support"))] >= 2


def test_metrics_read_days_of_plan_left_per_team(client: TestClient, samples: None) -> None:
    days = scrape(client)["rota_plan_days_left"]
    assert len(days) == 3
    assert all(365 <= value < 400 for value in days.values())


def test_metrics_count_solver_runs(client: TestClient, samples: None) -> None:
    runs = scrape(client)["rota_solver_runs_total"]
    assert sum(runs.values()) >= 3  # the samples' first plans
    assert "rota_solver_duration_seconds_count" in scrape(client)


def test_a_request_id_is_kept_or_made_and_echoed(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "lb-42.a"}).headers["x-request-id"]
        == "lb-42.a"
    )
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    # Something that could forge a log line is replaced.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" "level": "ERROR'})
    assert forged.headers["x-request-id"] != 'x" "level": "ERROR'


def test_json_log_lines_carry_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="rota.access")
    client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    (record,) = [r for r in caplog.records if r.name == "rota.access"]
    record.request_id = "abc-123"  # what the handler's filter adds
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-123"
    assert line["route"] == "/healthz"
    assert line["status"] == 200
    assert line["level"] == "INFO"


def test_configure_logging_writes_one_json_object_per_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging(Settings(log_format="json"))
    token = request_id.set("r-1")
    try:
        logging.getLogger("rota.reminders").info("reminder to %s", "alice")
        logging.getLogger("rota").warning("two\nlines")
    finally:
        request_id.reset(token)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first == {**first, "message": "reminder to alice", "request_id": "r-1"}
    assert second["message"] == "two\nlines"
    assert second["level"] == "WARNING"


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, what two processes counted is scraped from either."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    count = "from api import metrics; from rotation import Channel; "
    count += "metrics.reminder_sent(Channel.LOG, 2.0)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    scrape = (
        "import sys; from api import metrics, database, clock; "
        "engine = database.open_database(sys.argv[1]); "
        "sys.stdout.write(metrics.exposition(engine, clock.SystemClock()).decode())"
    )
    url = f"sqlite:///{tmp_path / 'rota.db'}"
    shown = subprocess.run(
        [sys.executable, "-c", scrape, url], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert 'rota_reminders_sent_total{channel="log"} 2.0' in shown
