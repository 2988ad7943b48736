"""The load of a period: how heavy a turn is (SPEC section 3).

A period's load is the sum of its local days' weights (weekday 1.0, weekend day 1.5, holiday 2.0
by default), each counted for the fraction of that day's length inside the period. Days are read
in the team's zone, so a 23-hour spring day still counts as one whole day when fully covered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

from rotation.model import DayWeights, Period, Team
from rotation.periods import local_day_start

DEFAULT_WEIGHTS = DayWeights()


@lru_cache(maxsize=256)
def holiday_dates(calendar: str | None, years: tuple[int, ...]) -> frozenset[date]:
    """The holidays of `calendar` (`DE` or `DE-BE`, as in the team file) in `years`."""
    if not calendar or not years:
        return frozenset()
    country, _, region = calendar.partition("-")
    found = holiday_calendars.country_holidays(country, subdiv=region or None, years=years)
    return frozenset(found.keys())


def team_holidays(team: Team, years: tuple[int, ...]) -> frozenset[date]:
    """The team's holidays in `years`: its calendar's days plus its own extra days."""
    return holiday_dates(team.holidays, years) | team.extra_holidays


def years_of(periods: Iterable[Period], zone: ZoneInfo) -> tuple[int, ...]:
    years: set[int] = set()
    for current in periods:
        years.add(current.start.astimezone(zone).year)
        years.add(current.end.astimezone(zone).year)
    return tuple(sorted(years))


def load(
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    holidays: frozenset[date] = frozenset(),
    weights: DayWeights = DEFAULT_WEIGHTS,
) -> float:
    """Return the load of `[start, end)`: each local day's weight times its covered fraction."""
    total = 0.0
    day = start.astimezone(zone).date()
    while True:
        day_start = local_day_start(day, zone)
        if day_start >= end:
            return total
        day_end = local_day_start(day + timedelta(days=1), zone)
        covered = min(end, day_end) - max(start, day_start)
        if covered > timedelta(0):
            total += weights.of(day, holidays) * (covered / (day_end - day_start))
        day += timedelta(days=1)
