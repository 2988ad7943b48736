"""The resolved schedule: what the plan means at an instant or over a window.

Today an entry is a whole assignment; overrides and swaps will split and relabel entries here, so
that every reader (API, CLI, feeds, reminders) sees the same resolved schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rotation.errors import BeyondPlan, InvalidInterval
from rotation.model import SLOTS, Assignment, OnSupport, Policy, ScheduleEntry, require_aware
from rotation.periods import handoff, period_at


def resolve(
    assignments: Iterable[Assignment], since: datetime, until: datetime
) -> list[ScheduleEntry]:
    """Return the schedule entries overlapping `[since, until)`, clipped to it.

    Entries are ordered by start, then slot order (developer before operator). An entry never
    crosses a handoff.
    """
    since = require_aware("since", since)
    until = require_aware("until", until)
    if until <= since:
        raise InvalidInterval("since/until", since, until)
    entries = [
        ScheduleEntry(
            role=a.role,
            member=a.member,
            start=max(a.period.start, since),
            end=min(a.period.end, until),
            period=a.period,
        )
        for a in assignments
        if a.period.start < until and since < a.period.end
    ]
    return sorted(entries, key=lambda e: (e.start, SLOTS.index(e.role)))


def on_support(
    policy: Policy,
    assignments: Sequence[Assignment],
    at: datetime,
    plan_end: datetime | None,
) -> OnSupport:
    """Return who holds each slot at `at`.

    Before the first period the answer has no period and names the first handoff. After
    `plan_end` (the end of the last planned period) it raises `BeyondPlan`: the plan does not say,
    and guessing would name the wrong person.
    """
    at = require_aware("at", at)
    current = period_at(policy, at)
    if current is None:
        return OnSupport(at=at, period=None, next_handoff=handoff(policy, 0))
    if plan_end is None or at >= plan_end:
        raise BeyondPlan("at", at, plan_end)
    holders = {
        entry.role: entry
        for entry in resolve(
            (a for a in assignments if a.period.index == current.index), at, current.end
        )
        if entry.start <= at
    }
    return OnSupport(at=at, period=current, holders=holders, next_handoff=current.end)
