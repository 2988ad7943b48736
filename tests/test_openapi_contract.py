"""The OpenAPI document is the contract: every operation documents the errors it can answer as
problem+json, and Schemathesis (its command line, every check, stateful sequences included, a
bounded run) finds nothing against a real server with the sample teams."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.page_server import PageServer, page_server

PROBLEM = "application/problem+json"
ROOT = Path(__file__).resolve().parent.parent
#: Bounded for CI: examples per operation and phase, and the whole run's wall time.
MAX_EXAMPLES = 3
TIMEOUT = 600


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    with page_server(tmp_path_factory.mktemp("contract")) as running:
        yield running


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_documents_its_errors_as_problems(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        label = f"{method.upper()} {path}"
        responses = operation["responses"]
        errors = {int(s) for s in responses if int(s) >= 400}
        assert 503 in errors, label
        for status in errors:
            assert list(responses[str(status)]["content"]) == [PROBLEM], (label, status)
        names = {p["name"].lower() for p in operation.get("parameters", [])}
        if operation.get("security"):
            assert {401, 403} <= errors, label
        if "{" in path:
            assert 404 in errors, label
        if method != "get":
            assert 409 in errors, label
        if "if-match" in names:
            assert 412 in errors, label
        if "requestBody" in operation:
            assert {400, 413, 415, 422} <= errors, label
        if "if-none-match" in names:
            assert "304" in responses, label


def test_the_schema_states_what_the_api_parses(client: TestClient, viewer: dict[str, str]) -> None:
    """Instants and dates carry the RFC 3339 patterns the parsers enforce, and a date or an
    instant outside them is refused, never read some other way."""
    schema = client.get("/openapi.json").json()
    at = next(
        p
        for p in schema["paths"]["/v1/teams/{team}/on-support"]["get"]["parameters"]
        if p["name"] == "at"
    )
    pattern = str(at["schema"])
    assert "date-time" in pattern
    assert "pattern" in pattern
    for refused in ("63762", "2027-03-01T10:00", "2027-03-01T10:00Z", "1969-12-31T00:00:00Z"):
        response = client.get("/v1/teams/nope/on-support", params={"at": refused}, headers=viewer)
        assert response.status_code == 422, refused


def test_an_anonymous_calendar_upload_is_a_401_whatever_its_body(client: TestClient) -> None:
    path = "/v1/teams/payments/members/alice/time-off/import"
    for content_type in ("text/calendar", "application/json", "text/plain"):
        response = client.post(
            path, content=b"BEGIN:VCALENDAR", headers={"Content-Type": content_type}
        )
        assert response.status_code == 401, content_type


def test_a_405_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.put("/v1/teams")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.headers["content-type"] == PROBLEM


def test_schemathesis_finds_nothing(server: PageServer, tmp_path: Path) -> None:
    """All checks (`positive_data_acceptance` refined in `tests/schemathesis_hooks.py` for the
    refusals no schema can state), every phase: examples, coverage, fuzzing and stateful."""
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--header",
        f"Authorization: Bearer {server.tokens['admin']}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20261207",
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    report = done.stdout[-12000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert "accepts_valid_input" in report or "Stateful" in report, report
