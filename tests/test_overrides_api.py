"""Overrides through the API (SPEC section 4): they split the schedule, win in on-support, check
the replacement, refuse overlaps and the past; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.clock import FixedClock
from api.principals import TokenRole
from tests.adjusting import future_turn, parse, problem, schedule, turns

OVERRIDES = "/v1/teams/payments/overrides"


def iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def other_operator(entries: list[dict[str, Any]], turn: dict[str, Any]) -> str:
    """An operator who holds no slot in `turn`'s period (a good replacement)."""
    busy = {e["member"] for e in entries if e["period_start"] == turn["period_start"]}
    return next(m for m in ("omar", "petra", "quinn") if m not in busy)


def test_a_partial_override_splits_the_turn_and_wins_in_on_support(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = schedule(client, admin)
    turn = future_turn(before, "operator", 2)
    replacement = other_operator(before, turn)
    start = parse(turn["start"]) + timedelta(days=2)
    end = start + timedelta(hours=36)
    response = client.post(
        OVERRIDES,
        json={
            "role": "operator",
            "member": replacement,
            "start": iso(start),
            "end": iso(end),
            "reason": "covering a wedding",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["changed"] == [
        {
            "team": "payments",
            "role": "operator",
            "period_start": turn["period_start"],
            "start": iso(start),
            "end": iso(end),
            "before": turn["member"],
            "after": replacement,
        }
    ]
    pieces = [e for e in schedule(client, admin) if e["period_start"] == turn["period_start"]]
    ops = turns(pieces, "operator")
    assert [(e["member"], e["source"]) for e in ops] == [
        (turn["member"], "rotation"),
        (replacement, "override"),
        (turn["member"], "rotation"),
    ]
    inside = client.get(
        "/v1/teams/payments/on-support",
        params={"at": iso(start + timedelta(hours=1))},
        headers=admin,
    ).json()
    assert inside["operator"]["id"] == replacement
    assert inside["operator"]["source"] == "override"
    after = client.get(
        "/v1/teams/payments/on-support", params={"at": iso(end)}, headers=admin
    ).json()
    assert after["operator"]["id"] == turn["member"]
    assert after["operator"]["source"] == "rotation"
    log = client.get("/v1/audit", params={"team": "payments", "limit": 1}, headers=admin).json()
    assert log["entries"][0]["action"] == "override.create"
    assert log["entries"][0]["reason"] == "covering a wedding"


def test_an_override_over_several_periods_breaks_at_each_handoff(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    # Quinn covers the operator slot from Friday 2027-04-09 to Wednesday 2027-04-21 (Berlin).
    body = client.post(
        OVERRIDES,
        json={
            "role": "operator",
            "member": "quinn",
            "start": "2027-04-09T12:00:00+02:00",
            "end": "2027-04-21T12:00:00+02:00",
        },
        headers=admin,
    ).json()
    quinn = [
        e
        for e in schedule(client, admin, since="2027-04-05", until="2027-04-26")
        if e["source"] == "override"
    ]
    assert [(e["start"], e["end"]) for e in quinn] == [
        ("2027-04-09T10:00:00Z", "2027-04-12T07:00:00Z"),
        ("2027-04-12T07:00:00Z", "2027-04-19T07:00:00Z"),
        ("2027-04-19T07:00:00Z", "2027-04-21T10:00:00Z"),
    ]
    assert {e["member"] for e in quinn} == {"quinn"}
    # Where quinn held the slot anyway nothing changed hands.
    assert all(c["after"] == "quinn" and c["before"] != "quinn" for c in body["changed"])


def test_the_replacement_is_checked(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    entries = schedule(client, admin)
    turn = future_turn(entries, "developer", 20)
    start = parse(turn["start"]) + timedelta(days=1)
    span = {"start": iso(start), "end": iso(start + timedelta(days=1))}
    problem(
        client.post(OVERRIDES, json={"role": "developer", "member": "zed", **span}, headers=admin),
        422,
        "member",
    )
    problem(
        client.post(OVERRIDES, json={"role": "developer", "member": "omar", **span}, headers=admin),
        422,
        "role",
    )
    # Who holds the operator slot that week cannot also take the developer one.
    operator = next(
        e["member"] for e in turns(entries, "operator") if e["period_start"] == turn["period_start"]
    )
    if operator == "dana":
        problem(
            client.post(
                OVERRIDES, json={"role": "developer", "member": "dana", **span}, headers=admin
            ),
            409,
            "member",
        )
    # On time off.
    away = next(m for m in ("emre", "chen") if m != turn["member"])
    day = start.date().isoformat()
    assert (
        client.post(
            "/v1/teams/payments/time-off",
            json={"member": away, "start": day, "end": day},
            headers=admin,
        ).status_code
        == 201
    )
    body = problem(
        client.post(OVERRIDES, json={"role": "developer", "member": away, **span}, headers=admin),
        409,
        "member",
    )
    assert "time off" in body["detail"]


def test_the_holder_of_the_other_slot_cannot_override_into_this_one(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    entries = schedule(client, admin)
    # Dana holds both roles: find a future week where she is the operator.
    turn = next(
        e for e in turns(entries, "operator") if e["member"] == "dana" and e["start"] > "2026-12-14"
    )
    start = parse(turn["start"]) + timedelta(hours=2)
    body = problem(
        client.post(
            OVERRIDES,
            json={
                "role": "developer",
                "member": "dana",
                "start": iso(start),
                "end": iso(start + timedelta(hours=4)),
            },
            headers=admin,
        ),
        409,
        "member",
    )
    assert "both slots" in body["detail"]


def test_overlapping_overrides_of_one_slot_are_a_409_naming_the_other(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first = client.post(
        OVERRIDES,
        json={
            "role": "developer",
            "member": "emre",
            "start": "2027-09-01T00:00:00Z",
            "end": "2027-09-03T00:00:00Z",
        },
        headers=admin,
    )
    # Emre holds only the developer role: nothing else can stand in the way.
    assert first.status_code == 201, first.text
    body = problem(
        client.post(
            OVERRIDES,
            json={
                "role": "developer",
                "member": "alice",
                "start": "2027-09-02T00:00:00Z",
                "end": "2027-09-04T00:00:00Z",
            },
            headers=admin,
        ),
        409,
        "start",
    )
    assert f"override {first.json()['id']}" in body["detail"]
    # The other slot is another matter.
    other = client.post(
        OVERRIDES,
        json={
            "role": "operator",
            "member": "omar",
            "start": "2027-09-02T00:00:00Z",
            "end": "2027-09-04T00:00:00Z",
        },
        headers=admin,
    )
    assert other.status_code in (201, 409), other.text
    if other.status_code == 409:
        assert "both slots" in other.json()["detail"]


def test_the_past_is_for_admins_who_force_it(
    client: TestClient, samples: None, admin: dict[str, str], token_for: Any
) -> None:
    past = {
        "role": "operator",
        "member": "quinn",
        "start": "2026-11-20T00:00:00Z",
        "end": "2026-11-21T00:00:00Z",
    }
    lead = token_for(TokenRole.LEAD, ["payments"])
    problem(client.post(OVERRIDES, json=past, headers=lead), 409, "start")
    problem(client.post(OVERRIDES, json={**past, "force": True}, headers=lead), 403)
    forced = client.post(
        OVERRIDES, json={**past, "force": True, "reason": "correction"}, headers=admin
    )
    assert forced.status_code == 201, forced.text
    assert forced.json()["start"] == "2026-11-20T00:00:00Z"


def test_an_override_starts_now_by_default_and_cancelling_it_ends_it_now(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    now = clock.now()
    current = client.get("/v1/teams/payments/on-support", headers=admin).json()
    replacement = next(m for m in ("omar", "petra", "quinn") if m != current["operator"]["id"])
    body = client.post(
        OVERRIDES,
        json={"role": "operator", "member": replacement, "end": "2026-11-28T00:00:00Z"},
        headers=admin,
    ).json()
    assert body["start"] == iso(now)
    assert (
        client.get("/v1/teams/payments/on-support", headers=admin).json()["operator"]["id"]
        == replacement
    )
    clock.set(now + timedelta(hours=3))
    url = f"{OVERRIDES}/{body['id']}"
    etag = client.get(url, headers=admin).headers["etag"]
    ended = client.delete(url, headers={**admin, "If-Match": etag})
    assert ended.status_code == 200, ended.text
    assert ended.json()["end"] == iso(now + timedelta(hours=3))
    assert (
        client.get("/v1/teams/payments/on-support", headers=admin).json()["operator"]["id"]
        == current["operator"]["id"]
    )
    # The past stays: three hours of the replacement, then the rotation again.
    assert client.get(url, headers=admin).status_code == 200
    clock.set(now + timedelta(days=5))
    problem(client.delete(url, headers=admin), 409, "end")
    assert client.delete(f"{url}?force=true", headers=admin).status_code == 200
    problem(client.get(url, headers=admin), 404)


def test_a_future_override_is_deleted_and_its_stretch_returns(
    client: TestClient, samples: None, admin: dict[str, str], token_for: Any
) -> None:
    created = client.post(
        OVERRIDES,
        json={
            "role": "developer",
            "member": "emre",
            "start": "2027-08-02T00:00:00Z",
            "end": "2027-08-03T00:00:00Z",
        },
        headers=admin,
    ).json()
    url = f"{OVERRIDES}/{created['id']}"
    problem(client.delete(url, headers=token_for(TokenRole.VIEWER)), 403)
    problem(client.delete(url, headers={**admin, "If-Match": '"old"'}), 412)
    removed = client.delete(url, headers=admin).json()
    assert [(c["before"], c["after"]) for c in removed["changed"]] == [
        (c["after"], c["before"]) for c in created["changed"]
    ]
    listed = client.get(OVERRIDES, headers=admin).json()
    assert created["id"] not in [o["id"] for o in listed]
