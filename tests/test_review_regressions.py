"""Regression tests for defects found in review, each named after what broke."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import extend_plans
from api.clock import FixedClock
from api.principals import TokenRole
from rotation import TeamFileError, parse_team_file
from tests.conftest import NOW, SAMPLES

PAYMENTS = SAMPLES[1].read_text()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/teams/payments/on-support?at=9999-12-31T23:59:59Z", None),
        ("get", "/v1/teams/payments/on-support?at=0001-01-01T00:00:00%2B01:00", None),
        ("get", "/v1/on-support?at=9999-12-31T23:59:59Z", None),
        ("get", "/v1/teams/payments/schedule?since=9999-12-20", None),
        ("get", "/v1/teams/payments/schedule?since=0001-01-01", None),
        ("post", "/v1/teams/payments/schedule/generate", {"until": "0001-01-01"}),
        (
            "post",
            "/v1/teams/payments/members",
            {
                "id": "z1",
                "name": "Zed",
                "email": "zed@example.com",
                "roles": ["developer"],
                "left": "9999-12-31",
            },
        ),
        ("patch", "/v1/teams/payments/members/alice", {"joined": "0001-01-01"}),
        (
            "post",
            "/v1/teams",
            {
                "id": "t9",
                "name": "T",
                "timezone": "UTC",
                "period": "1w",
                "handoff": "09:00",
                "start": "9999-12-01",
            },
        ),
    ],
)
def test_far_dates_are_a_422_not_an_overflow(
    client: TestClient, samples: None, admin: dict[str, str], method: str, path: str, body: Any
) -> None:
    response = client.request(method, path, json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert "between 1970-01-01 and 2200-12-31" in response.json()["detail"]


def test_far_dates_in_a_team_file_are_refused_on_their_line() -> None:
    text = PAYMENTS.replace('id = "alice"\n', 'id = "alice"\nleft = 9999-12-31\n', 1)
    with pytest.raises(TeamFileError) as raised:
        parse_team_file(text, "payments.toml")
    (problem,) = raised.value.problems
    assert problem.line == text.splitlines().index("left = 9999-12-31") + 1
    far_time_off = PAYMENTS.replace("end = 2027-01-01", "end = 9999-12-31", 1)
    with pytest.raises(TeamFileError, match="between 1970-01-01 and 2200-12-31"):
        parse_team_file(far_time_off, "payments.toml")


def test_a_slug_with_a_trailing_newline_is_not_a_slug() -> None:
    with pytest.raises(TeamFileError) as raised:
        parse_team_file(PAYMENTS.replace('id = "payments"', 'id = "payments\\n"'), "p.toml")
    (problem,) = raised.value.problems
    assert problem.line == PAYMENTS.splitlines().index('id = "payments"') + 1
    assert "payments\\n" in problem.reason


def test_control_characters_are_refused_not_a_database_error(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    assert client.get("/v1/teams/pay%00ments", headers=admin).status_code == 404
    assert client.get("/v1/teams/payments/members/al%00ice", headers=admin).status_code == 404
    assert client.delete("/v1/teams/payments/members/al%00ice", headers=admin).status_code == 404
    renamed = client.patch(
        "/v1/teams/payments/members/alice", json={"name": "a\u0000b"}, headers=admin
    )
    assert renamed.status_code == 422
    assert "control characters" in renamed.json()["detail"]
    with pytest.raises(TeamFileError, match="control characters"):
        parse_team_file(PAYMENTS.replace('"Alice Schmidt"', '"Alice\\u0000"'), "p.toml")


def test_a_long_holiday_region_code_is_stored_on_every_backend(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    response = client.patch(
        "/v1/teams/payments", json={"holidays": "NZ-South Canterbury"}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert client.get("/v1/teams/payments", headers=admin).json()["holidays"] == (
        "NZ-South Canterbury"
    )


def test_a_lead_cannot_rewrite_a_person_of_another_team(
    client: TestClient, samples: None, token_for: Any, admin: dict[str, str]
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    mallory = {
        "id": "grace",
        "name": "Mallory",
        "email": "mallory@evil.example",
        "roles": ["developer"],
    }
    assert client.post("/v1/teams/payments/members", json=mallory, headers=lead).status_code == 409
    grace = client.get("/v1/teams/storefront/members/grace", headers=admin).json()
    assert grace["email"] == "grace@example.com"
    # With her real details, a lead may add her to their own team.
    same = {**mallory, "name": grace["name"], "email": grace["email"]}
    assert client.post("/v1/teams/payments/members", json=same, headers=lead).status_code == 201
    renamed = client.patch(
        "/v1/teams/payments/members/grace", json={"email": "x@evil.example"}, headers=lead
    )
    assert renamed.status_code == 409


def test_the_plan_keeps_reaching_a_year_ahead_as_time_passes(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    clock.set(NOW + timedelta(days=200))
    extend_plans(client.app.state.engine, clock)  # type: ignore[attr-defined]
    later = (NOW + timedelta(days=200 + 364)).isoformat()
    for team in ("payments", "storefront", "data-platform"):
        response = client.get(f"/v1/teams/{team}/on-support", params={"at": later}, headers=admin)
        assert response.status_code == 200, response.text
        assert response.json()["developer"] is not None


def test_a_change_replans_periods_published_beyond_a_year(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    generated = client.post(
        "/v1/teams/payments/schedule/generate", json={"until": "2029-12-31"}, headers=admin
    )
    assert generated.status_code == 200
    assert client.delete("/v1/teams/payments/members/alice", headers=admin).status_code == 200
    window = {"since": "2027-12-01", "until": "2029-11-30"}
    entries = client.get("/v1/teams/payments/schedule", params=window, headers=admin).json()[
        "entries"
    ]
    assert entries
    assert "alice" not in {e["member"] for e in entries}


def test_one_short_plan_does_not_fail_the_all_teams_answer(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    client.post("/v1/teams/payments/schedule/generate", json={"until": "2028-06-01"}, headers=admin)
    response = client.get("/v1/on-support", params={"at": "2028-03-01T12:00:00Z"}, headers=admin)
    assert response.status_code == 200
    teams = {t["team"]: t for t in response.json()["teams"]}
    assert teams["payments"]["developer"] is not None
    assert "end of the published plan" in teams["storefront"]["detail"]
    assert teams["storefront"]["developer"] is None


def test_generate_needs_no_body(client: TestClient, samples: None, admin: dict[str, str]) -> None:
    response = client.post("/v1/teams/payments/schedule/generate", headers=admin)
    assert response.status_code == 200
    assert response.json()["added"] == 0


def test_anonymous_reads_reach_who_is_on_support_only(client: TestClient, samples: None) -> None:
    client.app.state.settings.anonymous_read = True  # type: ignore[attr-defined]
    assert client.get("/v1/on-support").status_code == 200
    assert client.get("/v1/teams/payments/schedule").status_code == 200
    assert client.get("/v1/teams/payments/members").status_code == 401
    assert client.get("/v1/teams").status_code == 401
