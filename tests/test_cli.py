"""The `rota` command, run as a user runs it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.clock import FixedClock
from api.settings import Settings
from tests.conftest import NOW, SAMPLES


def rota(database_url: str, *args: str) -> Result:
    settings = Settings(database_url=database_url)
    return CliRunner().invoke(
        main, list(args), obj={"settings": settings, "clock": FixedClock(NOW)}
    )


def test_load_then_who_answers_like_the_api(database_url: str) -> None:
    loaded = rota(database_url, "load", "--json", *map(str, SAMPLES))
    assert loaded.exit_code == 0, loaded.output
    assert {row["team"] for row in json.loads(loaded.output)} == {
        "payments",
        "storefront",
        "data-platform",
    }
    who = rota(database_url, "who", "payments", "--at", "2027-03-01T10:00:00Z", "--json")
    assert who.exit_code == 0, who.output
    secret = rota(database_url, "token", "create", "--role", "viewer").output.split()[-1]
    settings = Settings(database_url=database_url)
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        api = client.get(
            "/v1/teams/payments/on-support",
            params={"at": "2027-03-01T10:00:00Z"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert json.loads(who.output) == api.json()


def test_who_prints_a_table_for_people(database_url: str) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    result = rota(database_url, "who")
    assert result.exit_code == 0, result.output
    for team in ("payments", "storefront", "data-platform"):
        assert team in result.output
    assert "@example.com" in result.output  # never truncated when piped


def test_who_all_teams_json(database_url: str) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    result = rota(database_url, "who", "--json")
    body = json.loads(result.output)
    assert body["at"] == "2026-11-26T12:00:00Z"
    assert len(body["teams"]) == 3


def test_schedule_json_and_table(database_url: str) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    result = rota(
        database_url,
        "schedule",
        "storefront",
        "--since",
        "2027-03-13",
        "--until",
        "2027-03-16",
        "--json",
    )
    body = json.loads(result.output)
    assert len(body["entries"]) == 8  # 3 whole days and the ends of two more, two slots each
    table = rota(database_url, "schedule", "storefront", "--since", "2027-03-13")
    assert "EDT" in table.output
    assert "EST" in table.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("who", "nope"), "no team 'nope'"),
        (("who", "payments", "--at", "2027-03-01T10:00"), "no time zone"),
        (("schedule", "payments", "--since", "2027-03-10", "--until", "2027-03-01"), "not after"),
    ],
)
def test_errors_are_one_clear_message(database_url: str, args: tuple[str, ...], says: str) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    result = rota(database_url, *args)
    assert result.exit_code != 0
    assert says in result.output
    assert "Traceback" not in result.output


def test_a_bad_file_is_refused_with_file_line_and_reason(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SAMPLES[0].read_text().replace('timezone = "', 'timezone = "Mars/', 1))
    result = rota(database_url, "load", str(SAMPLES[1]), str(bad))
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    assert "Mars/" in result.output
    assert "no team" in rota(database_url, "who", "payments").output  # nothing half-loaded


def test_a_created_token_is_printed_last_and_works(database_url: str) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    result = rota(database_url, "token", "create", "--role", "lead", "--team", "payments")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("rota_")
    with TestClient(create_app(Settings(database_url=database_url), FixedClock(NOW))) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/v1/on-support", headers=headers).status_code == 200
        change = {"name": "Payments"}
        assert client.patch("/v1/teams/payments", json=change, headers=headers).status_code == 200
        assert client.patch("/v1/teams/storefront", json=change, headers=headers).status_code == 403


def test_a_lead_token_needs_a_known_team(database_url: str) -> None:
    assert rota(database_url, "token", "create", "--role", "lead").exit_code == 2
    unknown = rota(database_url, "token", "create", "--role", "lead", "--team", "nope")
    assert unknown.exit_code == 1
    assert "no team 'nope'" in unknown.output


def test_the_installed_command_upgrades_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"ROTA_DATABASE_URL": url, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [sys.executable, "-m", "api", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    who = subprocess.run(
        [sys.executable, "-m", "api", "who", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["teams"] == []


def test_start_up_runs_without_the_cycle_collector_and_freezes_what_it_made() -> None:
    import gc

    from api.launch import starting

    frozen = gc.get_freeze_count()
    try:
        with starting():
            assert not gc.isenabled()
            made = [[] for _ in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()
