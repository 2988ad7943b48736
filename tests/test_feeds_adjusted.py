"""Feeds of an adjusted rotation, end to end: an override in the middle of a turn, an applied
swap, an uncovered week and a DST change, all in one feed that ical.js, recurring-ical-events and
vobject read alike and that equals the schedule API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.adjusting import future_turn, parse, schedule, turns
from tests.conftest import NOW
from tests.parsers import clip
from tests.test_feeds_api import DEFAULT_SINCE, DEFAULT_UNTIL, expected, fetch, subscribe


def adjust(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    entries = schedule(client, admin)
    # An override of two days in the middle of an operator's turn.
    turn = future_turn(entries, "operator", 1)
    busy = {e["member"] for e in entries if e["period_start"] == turn["period_start"]}
    cover = next(m for m in ("omar", "petra", "quinn") if m not in busy)
    start = parse(turn["start"]) + timedelta(days=2)
    override = client.post(
        "/v1/teams/payments/overrides",
        json={
            "role": "operator",
            "member": cover,
            "start": start.isoformat(),
            "end": (start + timedelta(days=2)).isoformat(),
        },
        headers=admin,
    )
    assert override.status_code == 201, override.text
    # A swap of two developer turns, one of them across the spring-forward of 2027-03-28.
    devs = [
        e
        for e in turns(entries, "developer")
        if "2027-03-01" < e["start"] < "2027-05-01" and e["member"] in ("alice", "emre", "chen")
    ]
    first = devs[0]
    second = next(e for e in devs if e["member"] != first["member"])
    swap = client.post(
        "/v1/teams/payments/swaps",
        json={
            "role": "developer",
            "from_member": first["member"],
            "from_period_start": first["start"],
            "to_member": second["member"],
            "to_period_start": second["start"],
        },
        headers=admin,
    ).json()
    accepted = client.post(f"/v1/teams/payments/swaps/{swap['id']}/accept", headers=admin)
    assert accepted.json()["status"] == "applied", accepted.text
    # Every operator away for one week: the slot is uncovered there.
    week = future_turn(entries, "operator", 12)
    day = (parse(week["start"]) + timedelta(days=1)).date().isoformat()
    for operator in ("omar", "petra", "quinn", "dana"):
        response = client.post(
            "/v1/teams/payments/time-off",
            json={"member": operator, "start": day, "end": day},
            headers=admin,
        )
        assert response.status_code == 201, response.text
    return {"cover": cover, "override_start": start, "week": week}


def test_an_adjusted_team_feed_equals_the_schedule_in_every_parser(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    done = adjust(client, admin)
    events = fetch(client, subscribe(client, admin, scope="team", team="payments"))
    assert clip(events, DEFAULT_SINCE, DEFAULT_UNTIL) == expected(
        client, admin, "payments", DEFAULT_SINCE, DEFAULT_UNTIL
    )
    sources = {e["source"] for e in schedule(client, admin)}
    assert sources == {"rotation", "override", "swap"}
    assert any(e.summary == "UNCOVERED: operator" for e in events)
    # The swapped turn across spring-forward lasts 167 hours, like the period.
    spring = [e for e in events if e.start < parse("2027-03-28T00:00:00Z") < e.end]
    assert spring
    assert all(e.end - e.start <= timedelta(hours=167) for e in spring)
    # The override is its own event, with a stable UID of its own.
    cover = [
        e
        for e in events
        if e.summary.endswith(done["cover"].capitalize()) or done["cover"] in e.summary.lower()
    ]
    assert cover


def test_a_member_feed_shows_the_swapped_turn_and_cancels_the_one_given_away(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    entries = schedule(client, admin)
    devs = [
        e
        for e in turns(entries, "developer")
        if "2027-03-01" < e["start"] < "2027-05-01" and e["member"] in ("alice", "emre", "chen")
    ]
    first = devs[0]
    second = next(e for e in devs if e["member"] != first["member"])
    feed = subscribe(client, admin, scope="member", member=first["member"])
    before = {e.uid: e for e in fetch(client, feed)}
    given = next(uid for uid, e in before.items() if e.start == parse(first["start"]))
    swap = client.post(
        "/v1/teams/payments/swaps",
        json={
            "role": "developer",
            "from_member": first["member"],
            "from_period_start": first["start"],
            "to_member": second["member"],
            "to_period_start": second["start"],
        },
        headers=admin,
    ).json()
    client.post(f"/v1/teams/payments/swaps/{swap['id']}/accept", headers=admin)
    after = {e.uid: e for e in fetch(client, feed)}
    assert (after[given].status, after[given].sequence) == ("CANCELLED", 1)
    taken = [e for e in after.values() if e.start == parse(second["start"])]
    assert [e.status for e in taken] == ["CONFIRMED"]
    assert taken[0].start > NOW
