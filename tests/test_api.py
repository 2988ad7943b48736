"""The HTTP API, end to end through the app, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.clock import FixedClock
from api.principals import TokenRole

PROBLEM = "application/problem+json"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_on_support_answers_the_spec_shape(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    body = client.get(
        "/v1/teams/payments/on-support", params={"at": "2027-03-01T10:00:00Z"}, headers=viewer
    ).json()
    assert set(body) >= {"team", "at", "period", "developer", "operator", "uncovered"}
    assert body["team"] == "payments"
    assert body["at"] == "2027-03-01T10:00:00Z"
    # Monday 09:00 in Berlin is 08:00 UTC in winter.
    assert body["period"] == {"start": "2027-03-01T08:00:00Z", "end": "2027-03-08T08:00:00Z"}
    assert body["next_handoff"] == "2027-03-08T08:00:00Z"
    for role in ("developer", "operator"):
        holder = body[role]
        assert set(holder) >= {"id", "name", "email", "source"}
        assert holder["source"] == "rotation"
    assert body["uncovered"] == []


def test_on_support_agrees_with_the_schedule_at_every_hour(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    params = {"since": "2027-03-24T00:00:00Z", "until": "2027-04-02T00:00:00Z"}
    entries = client.get("/v1/teams/payments/schedule", params=params, headers=viewer).json()[
        "entries"
    ]
    at = parse(params["since"])
    while at < parse(params["until"]):
        body = client.get(
            "/v1/teams/payments/on-support", params={"at": at.isoformat()}, headers=viewer
        ).json()
        for role in ("developer", "operator"):
            (entry,) = [
                e
                for e in entries
                if e["role"] == role and parse(e["start"]) <= at < parse(e["end"])
            ]
            assert body[role]["id"] == entry["member"]
        at += timedelta(hours=5)


def test_the_handoff_keeps_its_wall_time_across_spring_forward(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    # Berlin jumps to summer time on 2027-03-28: Monday 09:00 becomes 07:00 UTC.
    body = client.get(
        "/v1/teams/payments/on-support",
        params={"at": "2027-03-30T12:00:00+02:00"},
        headers=viewer,
    ).json()
    assert body["period"] == {"start": "2027-03-29T07:00:00Z", "end": "2027-04-05T07:00:00Z"}
    before = client.get(
        "/v1/teams/payments/on-support", params={"at": "2027-03-23T12:00:00Z"}, headers=viewer
    ).json()
    # The week that contains the change lasts 167 hours.
    assert parse(before["period"]["end"]) - parse(before["period"]["start"]) == timedelta(hours=167)


def test_all_teams_on_support(client: TestClient, samples: None, viewer: dict[str, str]) -> None:
    body = client.get("/v1/on-support", headers=viewer).json()
    assert body["at"] == "2026-11-26T12:00:00Z"
    assert [team["team"] for team in body["teams"]] == ["data-platform", "payments", "storefront"]
    assert all(team["developer"] and team["operator"] for team in body["teams"])


def test_on_support_follows_the_injected_clock(
    client: TestClient, samples: None, viewer: dict[str, str], clock: FixedClock
) -> None:
    first = client.get("/v1/teams/storefront/on-support", headers=viewer).json()
    clock.set(parse(first["next_handoff"]))
    second = client.get("/v1/teams/storefront/on-support", headers=viewer).json()
    assert second["period"]["start"] == first["next_handoff"]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2027-03-01T10:00:00", "timezone"),
        ("yesterday", "datetime"),
        ("2027-02-30T10:00:00Z", "datetime"),
    ],
)
def test_a_naive_or_malformed_at_is_a_422_naming_it(
    client: TestClient, samples: None, viewer: dict[str, str], value: str, says: str
) -> None:
    response = client.get("/v1/teams/payments/on-support", params={"at": value}, headers=viewer)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "at"
    assert says in problem["detail"]


def test_a_naive_since_is_a_422_with_one_clear_reason(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    response = client.get(
        "/v1/teams/payments/schedule", params={"since": "2027-03-01T10:00"}, headers=viewer
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "since"
    assert "no time zone" in error["message"]


def test_an_unknown_team_is_a_404_problem(client: TestClient, viewer: dict[str, str]) -> None:
    for path in ("/v1/teams/nope/on-support", "/v1/teams/nope/schedule", "/v1/teams/nope"):
        response = client.get(path, headers=viewer)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert "nope" in response.json()["detail"]


def test_before_the_first_period_nobody_is_named(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    body = client.get(
        "/v1/teams/payments/on-support", params={"at": "2025-06-01T00:00:00Z"}, headers=viewer
    ).json()
    assert body["period"] is None
    assert body["developer"] is None
    assert body["operator"] is None
    assert body["uncovered"] == []
    assert body["next_handoff"] == "2026-01-05T08:00:00Z"


def test_beyond_the_plan_is_refused_then_generate_extends_it(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    at = {"at": "2028-06-01T00:00:00Z"}
    refused = client.get("/v1/teams/payments/on-support", params=at, headers=admin)
    assert refused.status_code == 422
    assert "end of the published plan" in refused.json()["detail"]
    generated = client.post(
        "/v1/teams/payments/schedule/generate", json={"until": "2028-07-01"}, headers=admin
    )
    assert generated.status_code == 200
    assert generated.json()["added"] > 0
    assert parse(generated.json()["planned_until"]) >= parse("2028-06-30T22:00:00Z")
    answer = client.get("/v1/teams/payments/on-support", params=at, headers=admin).json()
    assert answer["developer"] is not None


def test_schedule_entries_are_ordered_clipped_and_never_cross_a_handoff(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    params = {"since": "2027-03-10T12:00:00Z", "until": "2027-03-20T12:00:00Z"}
    body = client.get("/v1/teams/storefront/schedule", params=params, headers=viewer).json()
    assert body["since"] == params["since"]
    assert body["until"] == params["until"]
    entries = body["entries"]
    keys = [(e["start"], e["role"]) for e in entries]
    assert keys == sorted(keys, key=lambda k: (parse(k[0]), k[1] != "developer"))
    assert parse(entries[0]["start"]) == parse(params["since"])
    assert parse(entries[-1]["end"]) == parse(params["until"])
    for role in ("developer", "operator"):
        mine = [e for e in entries if e["role"] == role]
        for before, after in itertools.pairwise(mine):
            assert before["end"] == after["start"]  # no gap, no overlap
        for entry in mine:
            start = parse(entry["period_start"])
            assert start <= parse(entry["start"]) < parse(entry["end"])
            assert parse(entry["end"]) - start <= timedelta(hours=25)


def test_schedule_windows_are_bounded(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    backwards = {"since": "2027-03-10", "until": "2027-03-01"}
    huge = {"since": "2027-01-01", "until": "2031-01-01"}
    for params in (backwards, huge):
        response = client.get("/v1/teams/payments/schedule", params=params, headers=viewer)
        assert response.status_code == 422
        assert response.json()["field"] == "until"


def test_reading_needs_a_token_unless_anonymous_reads_are_allowed(
    client: TestClient, samples: None
) -> None:
    response = client.get("/v1/on-support")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == PROBLEM
    wrong = client.get("/v1/on-support", headers={"Authorization": "Bearer rota_nope"})
    assert wrong.status_code == 401
    client.app.state.settings.anonymous_read = True  # type: ignore[attr-defined]
    assert client.get("/v1/on-support").status_code == 200


def test_a_viewer_cannot_write_and_a_lead_writes_only_their_team(
    client: TestClient, samples: None, token_for: Any, viewer: dict[str, str]
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    change = {"name": "Payments & Billing"}
    assert client.patch("/v1/teams/payments", json=change, headers=viewer).status_code == 403
    assert client.patch("/v1/teams/storefront", json=change, headers=lead).status_code == 403
    response = client.patch("/v1/teams/payments", json=change, headers=lead)
    assert response.status_code == 200
    assert response.json()["name"] == "Payments & Billing"
    assert client.post("/v1/teams", json={}, headers=lead).status_code == 403
    assert client.delete("/v1/teams/payments", headers=lead).status_code == 403


TEAM = {
    "id": "search",
    "name": "Search",
    "timezone": "America/Sao_Paulo",
    "period": "1w",
    "handoff": "tuesday 10:00",
    "start": "2027-01-05",
}


def test_a_new_team_is_planned_at_once_and_uncovered_until_it_has_members(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post("/v1/teams", json=TEAM, headers=admin)
    assert created.status_code == 201
    assert created.json()["handoff"] == "tuesday 10:00"
    body = client.get(
        "/v1/teams/search/on-support", params={"at": "2027-02-03T12:00:00Z"}, headers=admin
    ).json()
    assert body["developer"] is None
    assert body["uncovered"] == ["developer", "operator"]
    duplicate = client.post("/v1/teams", json=TEAM, headers=admin)
    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"period": "0w"}, "period"),
        ({"handoff": "funday 10:00"}, "handoff"),
        ({"holidays": "XX"}, "holidays"),
        ({"id": "Not A Slug"}, "id"),
        ({"start": "2027-13-01"}, "start"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_team_is_a_422_naming_the_field(
    client: TestClient, admin: dict[str, str], change: dict[str, str], field: str
) -> None:
    response = client.post("/v1/teams", json={**TEAM, **change}, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in response.json()["detail"]


def test_malformed_json_is_a_422(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/teams", content=b"{not json", headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_members_join_and_leave_and_the_plan_follows_outside_the_frozen_window(
    client: TestClient, admin: dict[str, str]
) -> None:
    client.post("/v1/teams", json=TEAM, headers=admin)
    for member_id, roles in (
        ("ana", ["developer"]),
        ("bia", ["developer"]),
        ("caio", ["operator"]),
    ):
        body = {
            "id": member_id,
            "name": member_id.title(),
            "email": f"{member_id}@example.com",
            "roles": roles,
        }
        assert client.post("/v1/teams/search/members", json=body, headers=admin).status_code == 201
    window = {"since": "2027-01-05", "until": "2027-03-02"}
    entries = client.get("/v1/teams/search/schedule", params=window, headers=admin).json()[
        "entries"
    ]
    developers = [e["member"] for e in entries if e["role"] == "developer"]
    # The first two periods were published to ana before bia joined: the frozen window keeps
    # them. After it, the two alternate with no back-to-back turn.
    assert developers[:2] == ["ana", "ana"]
    after_frozen = developers[2:]
    assert set(after_frozen) == {"ana", "bia"}
    assert all(a != b for a, b in itertools.pairwise(after_frozen))
    assert {e["member"] for e in entries if e["role"] == "operator"} == {"caio"}

    assert client.delete("/v1/teams/search/members/bia", headers=admin).status_code == 200
    entries = client.get("/v1/teams/search/schedule", params=window, headers=admin).json()[
        "entries"
    ]
    assert {e["member"] for e in entries if e["role"] == "developer"} == {"ana"}
    assert client.get("/v1/teams/search/members/bia", headers=admin).status_code == 404


def test_a_member_patch_is_validated_and_applied(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    path = "/v1/teams/payments/members/bruno"
    assert client.patch(path, json={"weight": 0}, headers=admin).status_code == 422
    assert client.patch(path, json={"roles": []}, headers=admin).status_code == 422
    bad_dates = client.patch(
        path, json={"joined": "2027-05-01", "left": "2027-04-01"}, headers=admin
    )
    assert bad_dates.status_code == 422
    assert "left" in bad_dates.json()["detail"]
    ok = client.patch(path, json={"weight": 1.0, "chat": "@bruno"}, headers=admin)
    assert ok.status_code == 200
    assert ok.json()["weight"] == 1.0
    assert client.get(path, headers=admin).json()["chat"] == "@bruno"


def test_the_grid_of_a_started_team_cannot_change(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    response = client.patch("/v1/teams/payments", json={"handoff": "tuesday 09:00"}, headers=admin)
    assert response.status_code == 409
    assert "started" in response.json()["detail"]


def test_the_openapi_schema_is_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/teams/{team}/on-support" in schema["paths"]
    assert client.get("/docs").status_code == 200
