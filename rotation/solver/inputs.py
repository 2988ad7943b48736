"""What a plan depends on, and nothing else.

A plan depends on who may serve when and how load is weighed: the period grid, the calendar,
the day weights, the fairness window, the frozen window and stability tolerance; each member's
id, roles, weight and employment; the time off (its intervals, not its reason); the load members
carried from interruptions, as the planner weighs it. Names, emails, chat handles, time zones
of members, leads, reminder and feed settings change no plan: `planning_inputs` strips them, so
the planner solves (and remembers) the same problem for them, and the service re-plans only
when `planning_inputs` changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from enum import Enum

from rotation.model import Assignment, Member, NotifyPolicy, Role, Team, TimeOff


def planning_team(team: Team) -> Team:
    """`team` with every setting that changes no plan at its default."""
    return replace(
        team,
        name=team.id,
        notify=NotifyPolicy(),
        leads=(),
        swap_approval=False,
        feed_local_times=False,
    )


def planning_member(member: Member) -> Member:
    """`member` without their contact details (name, email, chat, time zone)."""
    return replace(member, name=member.id, email="", chat=None, timezone=None)


def planning_members(members: Iterable[Member]) -> tuple[Member, ...]:
    """The members as the planner sees them, in id order."""
    return tuple(sorted((planning_member(m) for m in members), key=lambda m: m.id))


def planning_time_off(time_off: Iterable[TimeOff]) -> tuple[TimeOff, ...]:
    """Time off as the planner sees it: without reasons, in one order."""
    return tuple(
        sorted(
            {replace(entry, reason="") for entry in time_off},
            key=lambda t: (t.member, t.start, t.end, t.role or ""),
        )
    )


def planning_assignments(assignments: Iterable[Assignment]) -> tuple[Assignment, ...]:
    """Assignments in period, then slot order."""
    return tuple(sorted(assignments, key=lambda a: (a.period.index, a.role.value)))


def planning_inputs(team: Team, members: Iterable[Member]) -> tuple[Team, tuple[Member, ...]]:
    """What of a team and its members a plan depends on; equal inputs give equal plans."""
    return planning_team(team), planning_members(members)


def planning_fingerprint(
    team: Team,
    members: Iterable[Member],
    time_off: Iterable[TimeOff],
    carried: Mapping[tuple[str, Role], float] | None = None,
) -> str:
    """A digest of what a plan depends on (`planning_inputs`, the time off and the carried load
    the planner counts): equal when nothing that could move a turn changed. The same in every
    process (no hash order)."""
    load = sorted((who, role.value, weight) for (who, role), weight in (carried or {}).items())
    inputs = [*planning_inputs(team, members), planning_time_off(time_off), load]
    text = json.dumps(_canonical(inputs), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return _canonical(value.value)
    if isinstance(value, frozenset | set):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value
