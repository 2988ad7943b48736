"""The reminder loop at many teams: a pass over teams that did not change reads their revisions
and nothing more, and a change made before the loop ever looked at a new team is announced."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from api.clock import FixedClock
from api.reminders.loop import plan_all
from rotation import Role
from rotation.reminders import Change, Kind
from tests.conftest import NOW, statements
from tests.test_reminders import DAY, NEXT, give, holder, rows, team_engine

__all__ = ["team_engine"]  # the fixture, shared with tests/test_reminders.py

HORIZON = timedelta(days=14)


def test_a_change_before_the_first_pass_is_announced(team_engine: Engine) -> None:
    day = NEXT + 3 * DAY
    before = holder(team_engine, Role.DEVELOPER, day)
    after = "bruno" if before == "alice" else "alice"
    # Right after the load, before the loop ever looked at the team.
    give(team_engine, Role.DEVELOPER, day, after)
    plan_all(team_engine, FixedClock(NOW), HORIZON)
    moved = rows(team_engine, kind=Kind.TURN_MOVED.value)
    assert [(r.recipient, r.change, r.at) for r in moved] == [
        (after, Change.ADDED.value, day),
        (before, Change.REMOVED.value, day),
    ]


def test_a_pass_over_an_unchanged_team_reads_three_statements(team_engine: Engine) -> None:
    clock = FixedClock(NOW)
    first, _ = plan_all(team_engine, clock, HORIZON)
    assert [p.team for p in first] == ["core"]
    clock.set(NOW + timedelta(minutes=30))  # time moves, no new period enters the window
    with statements(team_engine) as seen:
        again, raced = plan_all(team_engine, clock, HORIZON)
    assert (again, raced) == ([], 0)
    assert len(seen) == 3, seen  # revisions, what the loop planned from, the teams
    # A change moves the revision: the next pass plans the team and tells who lost the turn.
    day = NEXT + 2 * DAY
    before = holder(team_engine, Role.OPERATOR, day)
    give(team_engine, Role.OPERATOR, day, "petra" if before == "omar" else "omar")
    planned, _ = plan_all(team_engine, clock, HORIZON)
    assert [p.team for p in planned] == ["core"]
    assert [r.change for r in rows(team_engine, recipient=before, kind="turn_moved")] == [
        Change.REMOVED.value
    ]
    # A day on, a new period enters the window: planned again, though nothing changed.
    clock.set(NOW + DAY)
    planned, _ = plan_all(team_engine, clock, HORIZON)
    assert [p.team for p in planned] == ["core"]
