"""Instants from input, for routes, pages and the CLI alike: an ISO instant with its offset, or a
date read in the team's zone. Naive date-times are refused everywhere, with the value named."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rotation import InvalidInterval, OutOfRange, Team, require_aware, require_in_range
from rotation.errors import WindowTooLong
from rotation.periods import local_day_start

#: The longest time off or override one request may enter.
MAX_SPAN = timedelta(days=731)


def in_calendar(value: date) -> date:
    """A date (or instant) within the calendar Rota plans in, as a `ValueError` otherwise."""
    try:
        return require_in_range("date", value)
    except OutOfRange as exc:
        raise ValueError(str(exc).removeprefix("date ")) from None


def parse_instant_or_date(value: object) -> datetime | date:
    """An ISO instant with its offset, or an ISO date; a naive date-time is refused."""
    if isinstance(value, datetime | date):
        parsed: datetime | date = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is neither an instant (2027-03-01T10:00:00Z) nor a date (2027-03-01)"
            ) from None
    else:
        raise ValueError("expected an instant or a date")
    if isinstance(parsed, datetime) and parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone; add an offset such as Z or +01:00")
    return in_calendar(parsed)


def instant(field: str, value: datetime | date, team: Team) -> datetime:
    """An aware instant as given, or a date taken as the start of that day in the team's zone."""
    if isinstance(value, datetime):
        return require_aware(field, value)
    return local_day_start(value, team.policy.zone)


def window(
    team: Team, since: datetime | date | None, until: datetime | date | None
) -> tuple[datetime | None, datetime | None]:
    """An optional query window: each end an instant, or a date read in the team's zone; an
    `until` not after `since` is refused naming `until`."""
    start = instant("since", since, team) if since else None
    end = instant("until", until, team) if until else None
    if start is not None and end is not None and end <= start:
        raise InvalidInterval("until", start, end)
    return start, end


def span(team: Team, start: datetime | date, end: datetime | date) -> tuple[datetime, datetime]:
    """`[start, end)` of time off or an override: instants as given; a date `start` is the start
    of that day in the team's zone, a date `end` the end of that day (the last day, inclusive)."""
    first = instant("start", start, team)
    if isinstance(end, datetime):
        last = instant("end", end, team)
    else:
        last = local_day_start(end + timedelta(days=1), team.policy.zone)
    if last <= first:
        raise InvalidInterval("end", first, last)
    if last - first > MAX_SPAN:
        raise WindowTooLong("end", "two years")
    return first, last
