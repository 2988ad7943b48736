"""Instants from input, for routes, pages and the CLI alike: an ISO instant with its offset, or a
date read in the team's zone. Naive date-times are refused everywhere, with the value named."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from rotation import InvalidInterval, OutOfRange, Team, require_aware, require_in_range
from rotation.errors import WindowTooLong
from rotation.periods import local_day_start

#: The longest time off or override one request may enter.
MAX_SPAN = timedelta(days=731)

# The forms the HTTP API accepts, as RFC 3339 writes them, within the calendar Rota plans in
# (1970 to 2200): the OpenAPI schema states these very patterns. The CLI and the page are
# more forgiving (`10:00Z`, a space for the T), since people type them.
_YEAR = "(19[7-9][0-9]|2[01][0-9]{2}|2200)"
DATE_PATTERN = _YEAR + "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
INSTANT_PATTERN = (
    DATE_PATTERN + "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?"
    "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
# The same forms, any year: a year out of the calendar then gets its own message.
_RFC3339 = re.compile(f"({DATE_PATTERN})|({INSTANT_PATTERN})".replace(_YEAR, "[0-9]{4}"))


def in_calendar(value: date) -> date:
    """A date (or instant) within the calendar Rota plans in, as a `ValueError` otherwise."""
    try:
        return require_in_range("date", value)
    except OutOfRange as exc:
        raise ValueError(str(exc).removeprefix("date ")) from None


def parse_instant_or_date(value: object, *, strict: bool = False) -> datetime | date:
    """An ISO instant with its offset, or an ISO date; a naive date-time is refused. `strict`
    (the HTTP API) takes only the RFC 3339 forms of `DATE_PATTERN` and `INSTANT_PATTERN`."""
    if isinstance(value, datetime | date):
        parsed: datetime | date = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is neither a datetime with its offset (2027-03-01T10:00:00Z) nor a "
                "date (2027-03-01)"
            ) from None
    else:
        raise ValueError("expected an instant or a date")
    if isinstance(parsed, datetime) and parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone; add an offset such as Z or +01:00")
    if strict and isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError(
            f"{value!r}: write it as RFC 3339, with seconds and an offset "
            "(2027-03-01T10:00:00Z), or as a date (2027-03-01)"
        )
    return in_calendar(parsed)


def parse_api_instant(value: object) -> datetime:
    """An RFC 3339 instant with its offset, in the calendar; a date, a number or a naive time
    is refused."""
    parsed = parse_instant_or_date(value, strict=True)
    if not isinstance(parsed, datetime):
        raise ValueError(f"{value!r} is a date; give a datetime such as 2027-03-01T10:00:00Z")
    return parsed


def parse_api_date(value: object) -> date:
    """An RFC 3339 date (2027-03-01) in the calendar, for the HTTP API."""
    parsed = parse_instant_or_date(value, strict=True)
    if isinstance(parsed, datetime):
        raise ValueError(f"{value!r} is an instant; give a date such as 2027-03-01")
    return parsed


def parse_api_instant_or_date(value: object) -> datetime | date:
    return parse_instant_or_date(value, strict=True)


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
