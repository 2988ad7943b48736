"""Time off through the API (SPEC section 4): it refills exactly the assignments it hits, fairly,
moves nothing else, says who moved, and is audited; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.principals import TokenRole
from tests.adjusting import future_turn, parse, problem, schedule, turns

TIME_OFF = "/v1/teams/payments/time-off"


def days_of(turn: dict[str, Any]) -> tuple[str, str]:
    """The local dates of a weekly turn: Monday to Sunday (the handoff is Monday 09:00)."""
    start = parse(turn["start"])
    return (start + timedelta(days=1)).date().isoformat(), (
        start + timedelta(days=3)
    ).date().isoformat()


def test_time_off_refills_exactly_the_turn_it_hits_and_nothing_else(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = schedule(client, admin)
    hit = future_turn(before, "developer", 3)
    start, end = days_of(hit)
    response = client.post(
        TIME_OFF,
        json={"member": hit["member"], "start": start, "end": end, "reason": "conference"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["member"] == hit["member"]
    assert body["id"] >= 1
    (change,) = body["changed"]
    assert change["before"] == hit["member"]
    assert change["after"] not in (None, hit["member"])
    assert (change["start"], change["end"]) == (hit["start"], hit["end"])
    after = schedule(client, admin)
    moved = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(moved) == 1
    assert moved[0][1]["member"] == change["after"]
    # The refill respects the rest goal: the new holder does not get back-to-back turns.
    devs = [e["member"] for e in turns(after, "developer")]
    index = devs.index(
        change["after"], [e["start"] for e in turns(after, "developer")].index(hit["start"])
    )
    assert devs[index - 1] != change["after"]
    assert devs[index + 1] != change["after"]


def test_time_off_is_listed_read_with_an_etag_and_audited(
    client: TestClient, samples: None, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    created = client.post(
        TIME_OFF,
        json={
            "member": "omar",
            "start": "2027-05-03T00:00:00+02:00",
            "end": "2027-05-05T00:00:00+02:00",
            "reason": "dentist",
        },
        headers=admin,
    ).json()
    listed = client.get(TIME_OFF, params={"member": "omar"}, headers=viewer).json()
    assert created["id"] in [t["id"] for t in listed]
    one = client.get(f"{TIME_OFF}/{created['id']}", headers=viewer)
    assert one.status_code == 200
    assert one.headers["etag"].startswith('"')
    assert one.json()["start"] == "2027-05-02T22:00:00Z"
    log = client.get("/v1/audit", params={"team": "payments", "limit": 1}, headers=viewer).json()
    (entry,) = log["entries"]
    assert entry["action"] == "time_off.create"
    assert entry["actor"] == "test-admin"
    assert entry["reason"] == "dentist"
    assert entry["before"] is None
    assert entry["after"]["id"] == created["id"]


def test_a_date_range_is_whole_local_days_across_spring_forward(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    # Berlin springs forward on Sunday 2027-03-28: that local day lasts 23 hours.
    body = client.post(
        TIME_OFF,
        json={"member": "quinn", "start": "2027-03-28", "end": "2027-03-28"},
        headers=admin,
    ).json()
    assert (body["start"], body["end"]) == ("2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z")


def test_removing_time_off_checks_if_match_and_refills_what_it_left_uncovered(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    created = client.post(
        TIME_OFF,
        json={"member": "alice", "start": "2027-02-01", "end": "2027-02-07"},
        headers=admin,
    ).json()
    url = f"{TIME_OFF}/{created['id']}"
    problem(client.delete(url, headers={**admin, "If-Match": '"stale"'}), 412)
    etag = client.get(url, headers=admin).headers["etag"]
    response = client.delete(url, headers={**admin, "If-Match": etag})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == created["id"]
    problem(client.get(url, headers=admin), 404)


def test_file_time_off_belongs_to_the_file(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    declared = [t for t in client.get(TIME_OFF, headers=admin).json() if t["source"] == "file"]
    assert declared
    body = problem(client.delete(f"{TIME_OFF}/{declared[0]['id']}", headers=admin), 409)
    assert "team file" in body["detail"]


def test_overlapping_time_off_is_a_409_naming_the_other(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first = client.post(
        TIME_OFF, json={"member": "omar", "start": "2027-06-01", "end": "2027-06-10"}, headers=admin
    ).json()
    body = problem(
        client.post(
            TIME_OFF,
            json={"member": "omar", "start": "2027-06-09", "end": "2027-06-12"},
            headers=admin,
        ),
        409,
        "start",
    )
    assert str(first["id"]) in body["detail"]


def test_bad_time_off_is_a_422_naming_the_field(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    cases = [
        ({"member": "omar", "start": "2027-06-01T00:00:00", "end": "2027-06-02"}, "start"),
        ({"member": "omar", "start": "2027-06-05", "end": "2027-06-01"}, "end"),
        ({"member": "omar", "start": "2027-06-01", "end": "2037-06-01"}, "end"),
        ({"member": "nobody", "start": "2027-06-01", "end": "2027-06-02"}, "member"),
        ({"member": "omar", "start": "2027-06-01", "end": "2027-06-02", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        problem(client.post(TIME_OFF, json=body, headers=admin), 422, field)
    problem(client.get(f"{TIME_OFF}/99999", headers=admin), 404)
    problem(client.get(f"{TIME_OFF}/{2**40}", headers=admin), 422, "time_off_id")


def test_time_off_in_a_started_period_is_reported_for_an_override(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    current = client.get(
        "/v1/teams/payments/on-support", params={"at": "2026-11-26T12:00:00Z"}, headers=admin
    ).json()
    holder = current["developer"]["id"]
    body = client.post(
        TIME_OFF,
        json={"member": holder, "start": "2026-11-27", "end": "2026-11-27"},
        headers=admin,
    ).json()
    assert body["changed"] == []
    (duty,) = body["still_on_duty"]
    assert duty["member"] == holder
    assert duty["period_start"] == current["period"]["start"]


def test_time_off_applies_in_every_team_of_the_person(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    team = {
        "id": "search",
        "name": "Search",
        "timezone": "Europe/Berlin",
        "period": "1w",
        "handoff": "monday 09:00",
        "start": "2026-12-07",
        "frozen_periods": 0,
    }
    assert client.post("/v1/teams", json=team, headers=admin).status_code == 201
    person = {"name": "Alice Schmidt", "email": "alice@example.com", "chat": "@alice"}
    for member, roles in (("alice", ["developer"]), ("xena", ["operator"])):
        details = person if member == "alice" else {"name": "Xena", "email": "x@example.com"}
        response = client.post(
            "/v1/teams/search/members",
            json={"id": member, "roles": roles, **details},
            headers=admin,
        )
        assert response.status_code == 201, response.text
    # Alice is the only developer of search: time off leaves those weeks uncovered there.
    body = client.post(
        TIME_OFF,
        json={"member": "alice", "start": "2027-01-12", "end": "2027-01-13"},
        headers=admin,
    ).json()
    search = [c for c in body["changed"] if c["team"] == "search"]
    assert [(c["before"], c["after"]) for c in search] == [("alice", None)]
    assert all(c["before"] == "alice" for c in body["changed"])


def test_who_may_set_time_off(client: TestClient, samples: None, token_for: Any) -> None:
    body = {"member": "alice", "start": "2027-07-01", "end": "2027-07-02"}
    problem(client.post(TIME_OFF, json=body), 401)
    problem(client.post(TIME_OFF, json=body, headers=token_for(TokenRole.VIEWER)), 403)
    other_lead = token_for(TokenRole.LEAD, ["storefront"])
    problem(client.post(TIME_OFF, json=body, headers=other_lead), 403)
    bob = token_for(TokenRole.MEMBER, member="bruno")
    problem(client.post(TIME_OFF, json=body, headers=bob), 403)
    alice = token_for(TokenRole.MEMBER, member="alice")
    created = client.post(TIME_OFF, json=body, headers=alice)
    assert created.status_code == 201, created.text
    url = f"{TIME_OFF}/{created.json()['id']}"
    problem(client.delete(url, headers=bob), 403)
    problem(client.delete(url, headers=other_lead), 403)
    assert client.delete(url, headers=alice).status_code == 200
    lead = token_for(TokenRole.LEAD, ["payments"])
    assert client.post(TIME_OFF, json=body, headers=lead).status_code == 201
