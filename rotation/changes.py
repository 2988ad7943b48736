"""What a change to the plan did to people: the stretches whose holder is different.

Adjustments (time off, overrides, swaps, regeneration) compare the resolved schedule before and
after them with `schedule_changes`, so every answer lists exactly who was moved, and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from rotation.model import SLOTS, Period, Role, ScheduleEntry


@dataclass(frozen=True)
class StretchChange:
    """In `[start, end)` of `period`, the `role` slot passed from `before` to `after` (None is
    nobody: an uncovered stretch)."""

    role: Role
    period: Period
    start: datetime
    end: datetime
    before: str | None
    after: str | None


_Key = tuple[Role, int]


def schedule_changes(
    before: Iterable[ScheduleEntry], after: Iterable[ScheduleEntry]
) -> list[StretchChange]:
    """Return the stretches where the holder in `after` differs from the one in `before`.

    Both are resolved schedules over the same window. Only time planned in both counts: a period
    that appears in one of them only was added or dropped, not moved. A stretch that changed only
    its source (rotation to swap, say) with the same holder is no change. Changes are ordered by
    start, then slot; neighbouring pieces with the same holders are one change.
    """
    old = _by_slot(before)
    new = _by_slot(after)
    changes: list[StretchChange] = []
    for key in sorted(old.keys() & new.keys()):
        changes.extend(_slot_changes(old[key], new[key]))
    return sorted(changes, key=lambda c: (c.start, SLOTS.index(c.role)))


def _by_slot(entries: Iterable[ScheduleEntry]) -> dict[_Key, list[ScheduleEntry]]:
    slots: dict[_Key, list[ScheduleEntry]] = defaultdict(list)
    for entry in entries:
        slots[(entry.role, entry.period.index)].append(entry)
    return slots


def _holder(entries: list[ScheduleEntry], at: datetime) -> tuple[bool, str | None]:
    for entry in entries:
        if entry.start <= at < entry.end:
            return True, entry.member
    return False, None


def _slot_changes(old: list[ScheduleEntry], new: list[ScheduleEntry]) -> list[StretchChange]:
    bounds = sorted({t for e in (*old, *new) for t in (e.start, e.end)})
    period = new[0].period
    role = new[0].role
    pieces: list[StretchChange] = []
    for start, end in pairwise(bounds):
        planned_before, holder_before = _holder(old, start)
        planned_after, holder_after = _holder(new, start)
        if not (planned_before and planned_after) or holder_before == holder_after:
            continue
        last = pieces[-1] if pieces else None
        if (
            last
            and last.end == start
            and (last.before, last.after) == (holder_before, holder_after)
        ):
            pieces[-1] = StretchChange(role, period, last.start, end, holder_before, holder_after)
        else:
            pieces.append(StretchChange(role, period, start, end, holder_before, holder_after))
    return pieces
