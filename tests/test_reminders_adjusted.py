"""Reminders follow the lead's adjustments made through the API (overrides and swaps): the
people whose turns moved are told once, and turn reminders go to who holds the turn then."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.clock import FixedClock
from api.principals import TokenRole
from api.reminders.channels import Channels, Delivery
from api.reminders.loop import plan_all, run_pass
from api.repositories.reminders import Status
from api.repositories.tokens import create_token
from rotation import Role
from rotation.reminders import Change, Kind
from tests.conftest import NOW
from tests.test_reminders import DAY, NEXT, holder, rows, settings_for, team_engine

__all__ = ["team_engine"]  # the fixture, shared with the reminder loop's own tests

HORIZON = timedelta(days=14)


@pytest.fixture
def api(database_url: str, team_engine: Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(settings_for(database_url), FixedClock(NOW))) as client:
        with Session(team_engine) as session:
            _, secret = create_token(session, "lead", TokenRole.ADMIN, [], NOW)
            session.commit()
        yield client, {"Authorization": f"Bearer {secret}"}


def test_an_override_tells_both_members_and_cancels_the_replaced_members_reminders(
    database_url: str, team_engine: Engine, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, admin = api
    clock = FixedClock(NOW)
    plan_all(team_engine, clock, HORIZON)
    day = NEXT + 3 * DAY
    before = holder(team_engine, Role.DEVELOPER, day)
    cover = "bruno" if before == "alice" else "alice"
    response = client.post(
        "/v1/teams/core/overrides",
        json={
            "role": "developer",
            "member": cover,
            "start": day.isoformat(),
            "end": (day + DAY).isoformat(),
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    told: list[Delivery] = []
    channels = Channels(settings_for(database_url), log_sink=told.append)
    run_pass(team_engine, clock, settings_for(database_url), channels, "w1")
    moved = rows(team_engine, kind=Kind.TURN_MOVED.value)
    assert sorted((r.recipient, r.change) for r in moved if r.at == day) == sorted(
        [(cover, Change.ADDED.value), (before, Change.REMOVED.value)]
    )
    # The replaced member's reminders of that turn are cancelled; with two developers taking
    # turns, the cover now serves three days in a row: no new start, so no reminder of one.
    starts = rows(team_engine, kind=Kind.TURN_STARTS.value, at=day, role="developer")
    assert {(r.recipient, r.status) for r in starts} == {(before, Status.CANCELLED.value)}


def test_an_applied_swap_moves_two_turns_each_way(
    database_url: str, team_engine: Engine, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, admin = api
    clock = FixedClock(NOW)
    plan_all(team_engine, clock, HORIZON)
    first, second = NEXT + 4 * DAY, NEXT + 6 * DAY
    giver = holder(team_engine, Role.OPERATOR, first)
    taker = next(
        holder(team_engine, Role.OPERATOR, d)
        for d in (second, second + DAY, second + 2 * DAY)
        if holder(team_engine, Role.OPERATOR, d) != giver
    )
    wanted = next(
        d
        for d in (second, second + DAY, second + 2 * DAY)
        if holder(team_engine, Role.OPERATOR, d) == taker
    )
    swap = client.post(
        "/v1/teams/core/swaps",
        json={
            "role": "operator",
            "from_member": giver,
            "from_period_start": first.isoformat(),
            "to_member": taker,
            "to_period_start": wanted.isoformat(),
        },
        headers=admin,
    )
    assert swap.status_code == 201, swap.text
    accepted = client.post(f"/v1/teams/core/swaps/{swap.json()['id']}/accept", headers=admin)
    assert accepted.json()["status"] == "applied", accepted.text
    plan_all(team_engine, clock, HORIZON)
    moved = {(r.recipient, r.change, r.at) for r in rows(team_engine, kind=Kind.TURN_MOVED.value)}
    assert {
        (taker, Change.ADDED.value, first),
        (giver, Change.REMOVED.value, first),
        (giver, Change.ADDED.value, wanted),
        (taker, Change.REMOVED.value, wanted),
    } <= moved


def test_a_turn_cut_short_by_an_override_tells_its_member_what_they_lost(
    database_url: str, team_engine: Engine, api: tuple[TestClient, dict[str, str]]
) -> None:
    client, admin = api
    clock = FixedClock(NOW)
    plan_all(team_engine, clock, HORIZON)
    day = NEXT + 3 * DAY
    before = holder(team_engine, Role.DEVELOPER, day)
    cover = "bruno" if before == "alice" else "alice"
    evening = day + timedelta(hours=12)
    response = client.post(
        "/v1/teams/core/overrides",
        json={
            "role": "developer",
            "member": cover,
            "start": evening.isoformat(),
            "end": (day + DAY).isoformat(),
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    told: list[Delivery] = []
    channels = Channels(settings_for(database_url), log_sink=told.append)
    run_pass(team_engine, clock, settings_for(database_url), channels, "w1")
    moved = [r for r in rows(team_engine, kind=Kind.TURN_MOVED.value) if r.role == "developer"]
    assert [(r.recipient, r.change, r.at, r.end) for r in moved] == [
        (cover, Change.ADDED.value, evening, day + DAY),
        (before, Change.REMOVED.value, evening, day + DAY),
    ]
    # Both still hold after the send-time re-check: sent (no SMTP here, so to the log).
    assert {(r.status, r.channel) for r in moved} == {(Status.SENT.value, "log")}
    assert sorted(
        d.recipient.id for d in told if d.recipient and d.key in {r.key for r in moved}
    ) == sorted([cover, before])
