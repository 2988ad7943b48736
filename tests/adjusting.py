"""Helpers of the adjustment tests: read the schedule the way a client does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
SINCE, UNTIL = "2026-11-23", "2027-11-01"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def schedule(
    client: TestClient,
    headers: dict[str, str],
    team: str = "payments",
    since: str = SINCE,
    until: str = UNTIL,
) -> list[dict[str, Any]]:
    response = client.get(
        f"/v1/teams/{team}/schedule", params={"since": since, "until": until}, headers=headers
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def turns(entries: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [e for e in entries if e["role"] == role]


def future_turn(
    entries: list[dict[str, Any]], role: str, skip: int, after: str = "2026-12-14"
) -> dict[str, Any]:
    """The `skip`-th turn of `role` starting after the frozen window of the samples."""
    later = [e for e in turns(entries, role) if e["start"] >= after and e["member"]]
    return later[skip]


def problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    if field is not None:
        assert body.get("field") == field or field in body["detail"], body
    return body
