"""Explanations through the HTTP API (`GET /v1/teams/{team}/explain`) and the CLI (`rota why`),
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.cli import main
from api.clock import FixedClock
from api.principals import TokenRole
from api.settings import Settings
from tests.conftest import NOW, SAMPLES, TEST_SOLVER, bearer

PROBLEM = "application/problem+json"
EXPLAIN = "/v1/teams/payments/explain"
AT = "2027-03-03T10:00:00Z"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rota(database_url: str, *args: str) -> Result:
    settings = Settings(database_url=database_url, **TEST_SOLVER)  # type: ignore[arg-type]
    return CliRunner().invoke(
        main, list(args), obj={"settings": settings, "clock": FixedClock(NOW)}
    )


def members_of(client: TestClient, headers: dict[str, str], role: str) -> set[str]:
    found = client.get("/v1/teams/payments/members", headers=headers).json()
    return {m["id"] for m in found if role in m["roles"]}


def test_the_explanation_names_the_holder_on_support_and_every_other_member(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    for role in ("developer", "operator"):
        for days in (0, 9, 30):
            at = (parse(AT) + timedelta(days=days)).isoformat()
            body = client.get(EXPLAIN, params={"at": at, "role": role}, headers=viewer).json()
            who = client.get(
                "/v1/teams/payments/on-support", params={"at": at}, headers=viewer
            ).json()
            assert body["holder"]["id"] == who[role]["id"]
            assert body["source"] == who[role]["source"]
            assert body["period"] == who["period"]
            assert body["holder"]["email"] == who[role]["email"]  # a token sees contacts
            others = {c["member"]["id"] for c in body["others"]}
            assert others == members_of(client, viewer, role) - {who[role]["id"]}
            for candidate in body["others"]:
                assert candidate["reasons"], candidate
                assert len(candidate["details"]) == len(candidate["reasons"])
            assert body["holder"]["name"] in body["summary"]


def test_an_override_explains_itself_and_names_whom_it_replaced(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = client.get(EXPLAIN, params={"at": AT, "role": "operator"}, headers=admin).json()
    planned = before["holder"]["id"]
    replacement = next(
        c["member"]["id"]
        for c in before["others"]
        if not {"time_off", "not_joined", "left", "other_slot"} & set(c["reasons"])
    )
    start = parse(AT) - timedelta(hours=2)
    made = client.post(
        "/v1/teams/payments/overrides",
        json={
            "role": "operator",
            "member": replacement,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=30)).isoformat(),
            "reason": "covering",
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    body = client.get(EXPLAIN, params={"at": AT, "role": "operator"}, headers=admin).json()
    assert (body["holder"]["id"], body["source"], body["planned"]) == (
        replacement,
        "override",
        planned,
    )
    assert parse(body["turn"]["end"]) - parse(body["turn"]["start"]) == timedelta(hours=30)
    replaced = next(c for c in body["others"] if c["member"]["id"] == planned)
    assert replaced["reasons"][0] == "overridden"


def test_time_off_shows_as_the_reason(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first = client.get(EXPLAIN, params={"at": AT}, headers=admin).json()
    away = next(c["member"]["id"] for c in first["others"] if "time_off" not in c["reasons"])
    made = client.post(
        "/v1/teams/payments/time-off",
        json={
            "member": away,
            "start": first["period"]["start"],
            "end": first["period"]["end"],
            "reason": "conference",
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    body = client.get(EXPLAIN, params={"at": AT}, headers=admin).json()
    mine = next(c for c in body["others"] if c["member"]["id"] == away)
    assert "time_off" in mine["reasons"]
    assert mine["effect"] is None
    assert any("conference" in d for d in mine["details"])


def test_bad_input_is_a_problem(client: TestClient, samples: None, viewer: dict[str, str]) -> None:
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("/v1/teams/nope/explain", {"at": AT}, 404, "nope"),
        (EXPLAIN, {"at": "2027-03-03T10:00:00"}, 422, "at"),
        (EXPLAIN, {"at": "tomorrow"}, 422, "at"),
        (EXPLAIN, {"at": AT, "role": "manager"}, 422, "role"),
        (EXPLAIN, {"at": "2025-01-01T00:00:00Z"}, 422, "first period"),
        (EXPLAIN, {"at": "2031-01-01T00:00:00Z"}, 422, "published plan"),
    ]
    for path, params, status, named in cases:
        response = client.get(path, params=params, headers=viewer)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert named in response.json()["detail"]


def test_an_anonymous_reader_sees_names_and_no_contacts(database_url: str) -> None:
    assert rota(database_url, "load", *map(str, SAMPLES)).exit_code == 0
    settings = Settings(database_url=database_url, anonymous_read=True, **TEST_SOLVER)  # type: ignore[arg-type]
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        body = client.get(EXPLAIN, params={"at": AT}).json()
    people = [body["holder"], *(c["member"] for c in body["others"])]
    assert all(p["name"] for p in people)
    assert all(p["email"] is None and p["chat"] is None for p in people)
    assert "@example.com" not in json.dumps(body)


def test_rota_why_answers_like_the_api(database_url: str) -> None:
    assert rota(database_url, "load", *map(str, SAMPLES)).exit_code == 0
    result = rota(database_url, "why", "payments", "--at", AT, "--role", "developer", "--json")
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    settings = Settings(database_url=database_url, anonymous_read=True, **TEST_SOLVER)  # type: ignore[arg-type]
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            headers = bearer(session, TokenRole.VIEWER)
        api = client.get(EXPLAIN, params={"at": AT, "role": "developer"}, headers=headers).json()
    # The lower bound is proven within a budget; everything else is a recount.
    for body in (cli, api):
        body["balance"].pop("lower_bound")
    assert cli == api


def test_rota_why_prints_both_slots_for_people(database_url: str) -> None:
    assert rota(database_url, "load", *map(str, SAMPLES)).exit_code == 0
    result = rota(database_url, "why", "payments", "--at", AT)
    assert result.exit_code == 0, result.output
    assert "developer:" in result.output
    assert "operator:" in result.output
    assert "holds the developer slot" in result.output
    assert "why not" in result.output
    bad = rota(database_url, "why", "payments", "--at", "2031-01-01T00:00:00Z")
    assert bad.exit_code == 1
    assert "published plan" in bad.output
