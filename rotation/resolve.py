"""The resolved schedule: what the plan means at an instant or over a window.

An entry starts as a whole assignment (labelled `swap` when two members exchanged it); overrides
then cut it: inside an override its member holds the slot, outside it the assignment's holder
keeps the rest. Every reader (API, CLI, feeds, reminders) sees this same resolved schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rotation.errors import BeyondPlan, InvalidInterval
from rotation.model import (
    SLOTS,
    Assignment,
    OnSupport,
    Override,
    Policy,
    ScheduleEntry,
    Source,
    require_aware,
)
from rotation.periods import handoff, period_at


def resolve(
    assignments: Iterable[Assignment],
    since: datetime,
    until: datetime,
    overrides: Iterable[Override] = (),
) -> list[ScheduleEntry]:
    """Return the schedule entries overlapping `[since, until)`, clipped to it, with `overrides`
    applied.

    An entry is a contiguous stretch of one member (or nobody) in one slot within one period: it
    never crosses a handoff, and neighbouring stretches of the same member and source are one.
    Overrides of one slot do not overlap (the service refuses that); should they, the earlier
    start wins where they do. Overrides only cut planned periods: past the end of the plan they
    name nobody yet. Entries are ordered by start, then slot order (developer before operator).
    """
    since = require_aware("since", since)
    until = require_aware("until", until)
    if until <= since:
        raise InvalidInterval("since/until", since, until)
    by_role = sorted(overrides, key=lambda o: (o.start, o.end))
    entries: list[ScheduleEntry] = []
    for a in assignments:
        if a.period.start < until and since < a.period.end:
            start, end = max(a.period.start, since), min(a.period.end, until)
            cuts = [o for o in by_role if o.role == a.role and o.overlaps(start, end)]
            entries.extend(_cut(a, start, end, cuts))
    return sorted(entries, key=lambda e: (e.start, SLOTS.index(e.role)))


def _cut(
    assignment: Assignment, start: datetime, end: datetime, overrides: list[Override]
) -> list[ScheduleEntry]:
    """The stretches of one assignment's `[start, end)`: the overrides' parts inside it, and the
    assignment's holder in between."""
    pieces: list[tuple[datetime, datetime, str | None, Source]] = []
    cursor = start
    for override in overrides:
        cut_start, cut_end = max(override.start, cursor), min(override.end, end)
        if cut_end <= cut_start:
            continue
        if cursor < cut_start:
            pieces.append((cursor, cut_start, assignment.member, assignment.source))
        pieces.append((cut_start, cut_end, override.member, Source.OVERRIDE))
        cursor = cut_end
    if cursor < end:
        pieces.append((cursor, end, assignment.member, assignment.source))
    merged: list[tuple[datetime, datetime, str | None, Source]] = []
    for piece in pieces:
        if merged and merged[-1][2:] == piece[2:] and merged[-1][1] == piece[0]:
            merged[-1] = (merged[-1][0], piece[1], *piece[2:])
        else:
            merged.append(piece)
    return [
        ScheduleEntry(assignment.role, member, s, e, assignment.period, source)
        for s, e, member, source in merged
    ]


def on_support(
    policy: Policy,
    assignments: Sequence[Assignment],
    at: datetime,
    plan_end: datetime | None,
    overrides: Iterable[Override] = (),
) -> OnSupport:
    """Return who holds each slot at `at`, `overrides` applied.

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
            (a for a in assignments if a.period.index == current.index),
            at,
            current.end,
            overrides,
        )
        if entry.start <= at
    }
    return OnSupport(at=at, period=current, holders=holders, next_handoff=current.end)
