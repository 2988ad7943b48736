"""Time off read from an iCalendar file (an export of someone's absences). Pure.

Which events count: a busy or out-of-office one. `X-MICROSOFT-CDO-BUSYSTATUS` decides where
Outlook wrote it (`OOF` and `BUSY` count; `FREE`, `TENTATIVE` and `WORKINGELSEWHERE` do not);
otherwise `TRANSP` does (`OPAQUE`, the default when absent, counts; `TRANSPARENT` does not).
Cancelled events never count. Every event that counts blocks the periods it overlaps, so the
file to import is a calendar of absences, not a whole work calendar full of meetings.

Times: an all-day event is whole local days in `zone` (the team's), `[first day, end day)` as
iCalendar dates are; a floating time (no zone, no `Z`) is a wall time in `zone`, by the rule of
`rotation.periods` for gaps and repeats; a `TZID` the file does not define and zoneinfo does not
know is an error, never a guess. Recurring events are expanded (python-recurring-ical-events)
within `[since, until)` only, and at most `MAX_OCCURRENCES` of them.
Overlapping or touching entries are merged into one `TimeOff`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.prop import vDDDTypes

from rotation.errors import InvalidCalendar
from rotation.model import TimeOff, require_aware
from rotation.periods import local_day_start, wall_time_to_utc

__all__ = ["MAX_OCCURRENCES", "time_off_from_ics"]

#: The most events (occurrences of recurring ones included) one import reads.
MAX_OCCURRENCES = 5000
_REASON_LENGTH = 500
_BUSY = {"OOF", "BUSY"}
_PRIVATE = {"PRIVATE", "CONFIDENTIAL"}


@dataclass(frozen=True)
class _Busy:
    start: datetime
    end: datetime
    reason: str


def time_off_from_ics(
    data: bytes, member: str, zone: ZoneInfo, since: datetime, until: datetime
) -> list[TimeOff]:
    """The time off of `member` that the calendar `data` says, for its busy events overlapping
    `[since, until)` (each kept whole), merged and ordered by start.

    Raise `InvalidCalendar`, naming the problem, for a file that is not an iCalendar calendar,
    an event without a start, an unknown time zone or a broken recurrence rule.
    """
    since = require_aware("since", since)
    until = require_aware("until", until)
    calendar = _parse(data)
    busy = [
        found
        for event in _occurrences(calendar, since, until)
        if _counts(event) and (found := _interval(event, zone)).start < found.end
    ]
    return _merged(member, busy)


def _parse(data: bytes) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise InvalidCalendar(f"not an iCalendar file: {_first_line(exc)}") from None
    if calendar.name != "VCALENDAR":
        raise InvalidCalendar(f"expected a VCALENDAR, found a {calendar.name}")
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND"):
            _check_zone(event, name)
    return calendar


def _check_zone(event: icalendar.Component, name: str) -> None:
    # `icalendar` reads a TZID that neither the file nor zoneinfo defines as a floating time:
    # refuse it rather than guess (occurrences of recurring events lose the parameter).
    prop = event.get(name)
    if not isinstance(prop, vDDDTypes):
        return
    tzid = prop.params.get("TZID")
    value = prop.dt
    if tzid and isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidCalendar(f"event {str(event.get('UID', '?'))!r}: unknown time zone {tzid!r}")


def _occurrences(
    calendar: icalendar.Calendar, since: datetime, until: datetime
) -> list[icalendar.Event]:
    found: list[icalendar.Event] = []
    # Read lazily and stop at `until`: a rule repeating every second must not be expanded.
    try:
        events: Iterator[icalendar.Event] = recurring_ical_events.of(calendar).after(since)
        for event in events:
            if _start_of(event) >= until:
                break
            if len(found) == MAX_OCCURRENCES:
                raise InvalidCalendar(
                    f"more than {MAX_OCCURRENCES} events until {until.date()}: "
                    "export the absences alone, or a shorter range"
                )
            found.append(event)
    except (ValueError, KeyError, OverflowError) as exc:
        # The parsers' own errors: a broken property, a rule they cannot read, a missing start,
        # a date past what Python's calendar holds.
        raise InvalidCalendar(f"an event cannot be read: {_first_line(exc)}") from None
    return found


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _start_of(event: icalendar.Event) -> datetime:
    # Only to stop reading at `until`: a floating time or a date is near enough read in UTC.
    value = _when(event, "DTSTART").dt
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise InvalidCalendar(f"event {str(event.get('UID', '?'))!r}: DTSTART is not a date or time")


def _counts(event: icalendar.Event) -> bool:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return False
    busy_status = event.get("X-MICROSOFT-CDO-BUSYSTATUS")
    if busy_status is not None:
        return str(busy_status).upper() in _BUSY
    return str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"


def _interval(event: icalendar.Event, zone: ZoneInfo) -> _Busy:
    start = _instant(event, "DTSTART", zone)
    end = _instant(event, "DTEND", zone) if "DTEND" in event else start
    # Control characters (a NUL above all, which PostgreSQL refuses) have no place in a reason.
    summary = _CONTROL.sub(" ", str(event.get("SUMMARY", ""))).strip()
    if str(event.get("CLASS", "")).upper() in _PRIVATE or not summary:
        reason = "Imported from a calendar"
    else:
        reason = f"Imported: {summary}"
    return _Busy(start, end, reason[:_REASON_LENGTH])


def _when(event: icalendar.Event, name: str) -> vDDDTypes:
    prop = event[name]
    if not isinstance(prop, vDDDTypes):
        raise InvalidCalendar(f"event {str(event.get('UID', '?'))!r}: {name} is not a date or time")
    return prop


def _instant(event: icalendar.Event, name: str, zone: ZoneInfo) -> datetime:
    prop = _when(event, name)
    value = prop.dt
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return require_aware(name.lower(), value)
        return wall_time_to_utc(value.date(), value.time(), zone)
    if isinstance(value, date):
        return local_day_start(value, zone)
    raise InvalidCalendar(f"event {str(event.get('UID', '?'))!r}: {name} is not a date or time")


def _merged(member: str, busy: list[_Busy]) -> list[TimeOff]:
    merged: list[_Busy] = []
    for item in sorted(busy, key=lambda b: (b.start, b.end)):
        if merged and item.start <= merged[-1].end:
            last = merged[-1]
            reasons = last.reason if item.reason in last.reason else f"{last.reason}; {item.reason}"
            merged[-1] = _Busy(last.start, max(last.end, item.end), reasons[:_REASON_LENGTH])
        else:
            merged.append(item)
    return [TimeOff(member, item.start, item.end, item.reason) for item in merged]


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
