"""`VTIMEZONE` components written from `zoneinfo` as yearly `RRULE`s (RFC 5545 section 3.6.5).

Why not `icalendar`'s `add_missing_timezones()`: it writes one `RDATE` per transition, and
ical.js (Thunderbird) and vobject misread such long lists, so local times go wrong at DST.

How the rules are found: the zone's UTC offset is sampled day by day over the years asked for and
every change is pinned to the second. Each transition is described by its month, weekday, local
wall time (in the offset before it, as `DTSTART` of an observance is) and the offsets around it.
Transitions of consecutive years that share all that and one `BYDAY` position (`2SU`, or `-1SU`
for "the last Sunday") become one observance with a yearly `RRULE`; an `UNTIL` (in UTC) ends it
unless it runs to the last year asked for, where the rule in force stays open. Anything else (a
one-off change, a rule on a fixed date) is an observance of its own with a single `DTSTART`.
An observance with equal offsets opens the component at the first instant asked for, so every
instant of the range has a defined offset even before the first transition in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

__all__ = ["transitions", "vtimezone"]

_DAY = timedelta(days=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset at the instant `at` (UTC)."""

    at: datetime
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool  # daylight saving time after the change
    name: str  # the abbreviation after the change, e.g. CEST

    @property
    def local_start(self) -> datetime:
        """The wall time of the change in the offset before it, naive (an observance's DTSTART)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    def rule_key(self) -> tuple[object, ...]:
        local = self.local_start
        return (
            self.offset_from,
            self.offset_to,
            self.daylight,
            self.name,
            local.month,
            local.weekday(),
            local.time(),
        )

    def positions(self) -> set[int]:
        """The `BYDAY` positions that name this day in its month: `n` and, for the last such
        weekday of the month, `-1`."""
        local = self.local_start
        found = {(local.day - 1) // 7 + 1}
        if (local + timedelta(days=7)).month != local.month:
            found.add(-1)
        return found


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of `zone`'s UTC offset in `[start, end)`, in order."""
    found = []
    at = start.astimezone(UTC)
    while at < end:
        step = min(at + _DAY, end)
        if _offset(zone, at) != _offset(zone, step):
            found.append(_pin(zone, at, step))
        at = step
    return found


def _offset(zone: ZoneInfo, at: datetime) -> timedelta | None:
    # `zone.utcoffset(at)` would read `at` as a wall time; convert the instant instead.
    return at.astimezone(zone).utcoffset()


def _pin(zone: ZoneInfo, low: datetime, high: datetime) -> Transition:
    # The offset at `low` differs from the one at `high`: halve the interval down to a second.
    before = _offset(zone, low)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if _offset(zone, middle) == before:
            low = middle
        else:
            high = middle
    local = high.astimezone(zone)
    offset_to = local.utcoffset()
    assert before is not None
    assert offset_to is not None
    return Transition(high, before, offset_to, bool(local.dst()), local.tzname() or "")


def _groups(found: list[Transition]) -> Iterator[tuple[list[Transition], int | None]]:
    """Runs of yearly transitions that one `RRULE` describes, with their `BYDAY` position
    (None for a run of one). Spring and autumn changes interleave: each rule is followed on its
    own."""
    by_rule: dict[tuple[object, ...], list[Transition]] = {}
    for transition in found:
        by_rule.setdefault(transition.rule_key(), []).append(transition)
    for same_rule in by_rule.values():
        yield from _runs(same_rule)


def _runs(found: list[Transition]) -> Iterator[tuple[list[Transition], int | None]]:
    run: list[Transition] = []
    positions: set[int] = set()
    for transition in found:
        if run:
            last = run[-1]
            common = positions & transition.positions()
            if transition.local_start.year == last.local_start.year + 1 and common:
                run.append(transition)
                positions = common
                continue
            yield run, _position(run, positions)
        run, positions = [transition], transition.positions()
    if run:
        yield run, _position(run, positions)


def _position(run: list[Transition], positions: set[int]) -> int | None:
    if len(run) < 2:
        return None
    # A change late in the month is a "last Sunday" rule far more often than a "fourth Sunday" one:
    # both are exact for the years seen, and `-1` is the one that holds for the years after.
    return -1 if -1 in positions else min(positions)


def vtimezone(zone: ZoneInfo, start: datetime, end: datetime) -> Timezone:
    """A `VTIMEZONE` for `zone` that gives every instant in `[start, end)` its offset."""
    start = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    component = Timezone()
    component.add("tzid", zone.key)
    first = start.astimezone(zone)
    offset = first.utcoffset()
    assert offset is not None
    opening = Transition(start, offset, offset, bool(first.dst()), first.tzname() or "")
    component.add_component(_observance(opening, None, None))
    found = transitions(zone, start, end)
    last_year = found[-1].local_start.year if found else None
    for run, position in _groups(found):
        open_ended = position is not None and run[-1].local_start.year == last_year
        until = None if open_ended else run[-1].at
        component.add_component(_observance(run[0], position, until))
    return component


def _observance(
    transition: Transition, position: int | None, until: datetime | None
) -> TimezoneStandard | TimezoneDaylight:
    observance: TimezoneStandard | TimezoneDaylight = (
        TimezoneDaylight() if transition.daylight else TimezoneStandard()
    )
    observance.add("dtstart", transition.local_start)
    observance.add("tzoffsetfrom", transition.offset_from)
    observance.add("tzoffsetto", transition.offset_to)
    if transition.name:
        observance.add("tzname", transition.name)
    if position is not None:
        local = transition.local_start
        rule: dict[str, Any] = {
            "freq": "YEARLY",
            "bymonth": local.month,
            "byday": f"{position}{_WEEKDAYS[local.weekday()]}",
        }
        if until is not None:
            rule["until"] = until
        observance.add("rrule", rule)
    return observance
