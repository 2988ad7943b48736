"""Period arithmetic: where a team's handoffs fall in time.

The DST rule, in one place:

* Handoffs keep their local wall time across DST changes, so a weekly period lasts 167 or 169
  hours around a change, and a daily one 23 or 25.
* Period lengths are counted in local calendar days, never as fixed `timedelta`s of hours.
* A handoff time that does not exist on its day (clocks jump over it in spring) moves to the first
  instant after the gap: 02:30 on a night that jumps from 02:00 to 03:00 becomes 03:00; 00:00 on a
  day that starts at 01:00 becomes 01:00.
* A handoff time that happens twice (clocks go back in autumn) takes its first occurrence.

Everything returned is an aware `datetime` in UTC; periods are half-open `[start, end)`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rotation.errors import InvalidPolicy, UnknownTimezone
from rotation.model import Period, Policy, Team, require_aware

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_PERIOD = re.compile(r"^\s*(\d+)\s*([dw])\s*$")
_HANDOFF = re.compile(r"^\s*(?:([a-zA-Z]+)\s+)?(\d{1,2}):(\d{2})\s*$")


def parse_timezone(name: str) -> ZoneInfo:
    """Return the IANA zone `name`; raise `UnknownTimezone` for anything else."""
    if not isinstance(name, str) or name not in _zone_names():
        raise UnknownTimezone(str(name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - guarded above
        raise UnknownTimezone(name) from exc


def zone_names() -> list[str]:
    """Every zone `parse_timezone` accepts, sorted."""
    return sorted(_zone_names())


def _zone_names() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


_ZONES: set[str] | None = None


def parse_period(text: str) -> int:
    """Return the length in local days of a period written `1d`, `3d`, `1w`, `2w`..."""
    match = _PERIOD.match(text) if isinstance(text, str) else None
    if not match or int(match.group(1)) == 0:
        raise InvalidPolicy(
            "period", text, "expected a positive number of days or weeks: 1d, 1w, 2w"
        )
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    if days > 366:
        raise InvalidPolicy("period", text, "a period may last at most a year")
    return days


def parse_handoff(text: str, period_days: int) -> tuple[int | None, time]:
    """Return `(weekday or None, wall time)` of a handoff written `monday 09:00` or `09:00`.

    A weekday only makes sense for periods of whole weeks.
    """
    match = _HANDOFF.match(text) if isinstance(text, str) else None
    if not match:
        raise InvalidPolicy(
            "handoff", text, "expected '[weekday] HH:MM', for example 'monday 09:00'"
        )
    day_name, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 23 or minutes > 59:
        raise InvalidPolicy("handoff", text, "no such time of day")
    weekday: int | None = None
    if day_name is not None:
        if day_name.lower() not in WEEKDAYS:
            raise InvalidPolicy("handoff", text, f"unknown weekday {day_name!r}")
        if period_days % 7:
            raise InvalidPolicy(
                "handoff", text, "a weekday needs a period of whole weeks; write only the time"
            )
        weekday = WEEKDAYS.index(day_name.lower())
    return weekday, time(hours, minutes)


def format_period(days: int) -> str:
    return f"{days // 7}w" if days % 7 == 0 else f"{days}d"


def format_handoff(policy: Policy) -> str:
    wall = policy.handoff_time.strftime("%H:%M")
    if policy.handoff_weekday is None:
        return wall
    return f"{WEEKDAYS[policy.handoff_weekday]} {wall}"


def wall_time_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of the wall time `wall` on `day` in `zone`, by the DST rule above."""
    local = datetime.combine(day, wall, tzinfo=zone)
    first = local.astimezone(UTC)  # fold=0: the first occurrence of an ambiguous time
    if first.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return first
    # `local` falls in a gap. With fold=1 it maps through the offset after the gap, which puts
    # it before the transition; with fold=0 through the offset before, which puts it after.
    # The transition instant, the first one after the gap, lies between: find it to the second.
    low = int(local.replace(fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    offset_before = datetime.fromtimestamp(low, UTC).astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def first_handoff_day(policy: Policy) -> date:
    """Return the local date of the first handoff: `start`, moved to the handoff weekday if any."""
    if policy.handoff_weekday is None:
        return policy.start
    ahead = (policy.handoff_weekday - policy.start.weekday()) % 7
    return policy.start + timedelta(days=ahead)


def handoff(policy: Policy, index: int) -> datetime:
    """Return the UTC instant at which period `index` starts (and period `index - 1` ends)."""
    day = first_handoff_day(policy) + timedelta(days=index * policy.period_days)
    return wall_time_to_utc(day, policy.handoff_time, policy.zone)


def period(policy: Policy, index: int) -> Period:
    """Return period `index`: `[handoff(index), handoff(index + 1))`."""
    if index < 0:
        raise InvalidPolicy("period index", index, "periods are numbered from 0")
    return Period(index, handoff(policy, index), handoff(policy, index + 1))


def period_index_at(policy: Policy, at: datetime) -> int | None:
    """Return the index of the period containing `at`, or None before the first period."""
    at = require_aware("at", at)
    if at < handoff(policy, 0):
        return None
    local_day = at.astimezone(policy.zone).date()
    index = max(0, (local_day - first_handoff_day(policy)).days // policy.period_days)
    # The estimate from the local date is off by at most one around the handoff itself.
    while index > 0 and handoff(policy, index) > at:
        index -= 1
    while handoff(policy, index + 1) <= at:
        index += 1
    return index


def period_at(policy: Policy, at: datetime) -> Period | None:
    """Return the period containing `at`, or None before the first period."""
    index = period_index_at(policy, at)
    return None if index is None else period(policy, index)


def periods_between(policy: Policy, since: datetime, until: datetime) -> list[Period]:
    """Return, in order, every period that overlaps `[since, until)` (none if it is empty).

    A period whose whole local day was skipped (Samoa jumped over 2011-12-30) has no length: it
    is left out, and its neighbours still meet.
    """
    since = require_aware("since", since)
    until = require_aware("until", until)
    found: list[Period] = []
    if until <= since:
        return found
    index = period_index_at(policy, since)
    index = 0 if index is None else index
    current = period(policy, index)
    while current.start < until:
        if current.start < current.end:
            found.append(current)
        index += 1
        current = Period(index, current.end, handoff(policy, index + 1))
    return found


def local_day_start(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which local `day` begins (its first existing instant)."""
    return wall_time_to_utc(day, time(0, 0), zone)


def fairness_start(team: Team) -> datetime:
    """Where the team's fairness window starts: its first period, or `fairness_since` (a local
    date) when set."""
    if team.fairness_since is not None:
        return local_day_start(team.fairness_since, team.policy.zone)
    return period(team.policy, 0).start
