"""The measures of the fairness report (`rotation.fairness`) that read entries and intervals
alone: merged covered and uncovered stretches, time by kind of local day, back-to-back turns,
pair counts, Jain's index and the pairwise balance. Intervals are half-open `[start, end)`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from rotation.availability import merge_spans
from rotation.model import Period, Role, ScheduleEntry
from rotation.periods import local_day_start

ZERO = timedelta(0)


@dataclass(frozen=True)
class Interval:
    """A half-open stretch `[start, end)` in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class UncoveredInterval:
    """A stretch `[start, end)` in which a slot has nobody, and why nobody could hold it."""

    start: datetime
    end: datetime
    reason: str


def merge_covered(staffed: Iterable[ScheduleEntry]) -> list[Interval]:
    return [Interval(a, b) for a, b in merge_spans((e.start, e.end) for e in staffed)]


def merge_uncovered(gaps: Iterable[UncoveredInterval]) -> list[UncoveredInterval]:
    """Merge touching gaps with the same reason; a change of reason starts a new interval."""
    merged: list[UncoveredInterval] = []
    for gap in sorted(gaps, key=lambda g: (g.start, g.end)):
        last = merged[-1] if merged else None
        if last is not None and gap.reason == last.reason and gap.start <= last.end:
            merged[-1] = UncoveredInterval(last.start, max(last.end, gap.end), last.reason)
        else:
            merged.append(gap)
    return merged


def seconds(intervals: Iterable[Interval | UncoveredInterval]) -> float:
    return sum((i.end - i.start for i in intervals), ZERO).total_seconds()


def ratio(covered: float, uncovered: float) -> float:
    total = covered + uncovered
    return covered / total if total > 0 else 1.0


def split_by_day_kind(
    start: datetime, end: datetime, zone: ZoneInfo, holidays: frozenset[date]
) -> tuple[timedelta, timedelta, timedelta]:
    """Split `[start, end)` into (weekday, weekend, holiday) time by local day, like the load."""
    weekday = weekend = holiday = ZERO
    day = start.astimezone(zone).date()
    while (day_start := local_day_start(day, zone)) < end:
        day_end = local_day_start(day + timedelta(days=1), zone)
        covered = min(end, day_end) - max(start, day_start)
        if covered > ZERO:
            # Same precedence as DayWeights.of: a holiday on a Saturday is a holiday.
            if day in holidays:
                holiday += covered
            elif day.weekday() >= 5:
                weekend += covered
            else:
                weekday += covered
        day += timedelta(days=1)
    return weekday, weekend, holiday


def back_to_back(periods: Iterable[Period]) -> int:
    """Count pairs of the given periods adjacent in time. Compared by instants, not indices, so
    that neighbours of a skipped empty period still count."""
    distinct = {p.index: p for p in periods}.values()
    starts = {p.start for p in distinct}
    return sum(1 for p in distinct if p.end in starts)


def pair_counts(entries: Sequence[ScheduleEntry]) -> dict[tuple[str, str], int]:
    """Count, per (developer, operator), the periods in which their entries overlap."""
    by_period: dict[int, list[tuple[str, ScheduleEntry]]] = defaultdict(list)
    for entry in entries:
        if entry.member is not None:
            by_period[entry.period.index].append((entry.member, entry))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for staffed in by_period.values():
        developers = [(m, e) for m, e in staffed if e.role == Role.DEVELOPER]
        operators = [(m, e) for m, e in staffed if e.role == Role.OPERATOR]
        # A set, so that split entries (swaps) still count a pair once per period.
        met = {
            (dev, op)
            for dev, d in developers
            for op, o in operators
            if dev != op and max(d.start, o.start) < min(d.end, o.end)
        }
        for pair in met:
            counts[pair] += 1
    return dict(counts)


def jain(xs: Sequence[float]) -> float:
    squares = sum((x * x for x in xs), 0.0)
    if not xs or squares == 0:
        return 1.0
    return sum(xs, 0.0) ** 2 / (len(xs) * squares)


def balance(hs: Sequence[float]) -> float:
    pairs = list(combinations(hs, 2))
    if not pairs:
        return 1.0
    ratios = [1.0 if max(a, b) == 0 else min(a, b) / max(a, b) for a, b in pairs]
    return sum(ratios, 0.0) / len(ratios)
