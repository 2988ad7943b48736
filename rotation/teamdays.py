"""The days of a team file's `[team]` table: the holiday calendar, the team's own
`extra_holidays` and the day `weights`, each checked with the line of its problem."""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import partial
from typing import Any

import holidays as holiday_calendars

from rotation.errors import InvalidPolicy
from rotation.model import DayWeights, require_in_range
from rotation.tomlreader import Reader

WEIGHT_KEYS = ("weekday", "weekend", "holiday")
#: Day weights are relative: 100 times a weekday is far beyond any real rota, and a bound keeps
#: the load arithmetic away from overflow.
MAX_DAY_WEIGHT = 100.0
#: The largest `stability_tolerance`, in periods of load per unit of weight.
STABILITY_TOLERANCE_MAX = 10.0
#: A team's own holidays: a few a year; the bound keeps a stray generated list out.
MAX_EXTRA_HOLIDAYS = 1000


def read_extra_holidays(reader: Reader, data: dict[str, Any]) -> frozenset[date]:
    """`extra_holidays = [2027-12-24, ...]`: the team's own days on top of its calendar."""
    key = "extra_holidays"
    values = reader.typed(
        "team", 0, data, key, list, "a list of dates such as [2027-12-24]", required=False
    )
    if values is None:
        return frozenset()
    if len(values) > MAX_EXTRA_HOLIDAYS:
        reader.fail("team", 0, key, f"{key}: at most {MAX_EXTRA_HOLIDAYS} dates, got {len(values)}")
        return frozenset()
    days: set[date] = set()
    for value in values:
        if isinstance(value, datetime) or not isinstance(value, date):
            reader.fail("team", 0, key, f"{key}: expected dates such as 2027-12-24, got {value!r}")
        elif reader.attempt("team", 0, key, partial(require_in_range, key, value)) is None:
            continue
        elif value in days:
            reader.fail("team", 0, key, f"{key}: {value} is listed twice")
        else:
            days.add(value)
    return frozenset(days)


def read_weights(reader: Reader, data: dict[str, Any]) -> DayWeights:
    """`weights = { weekday = 1.0, weekend = 1.5, holiday = 2.0 }`; a key left out keeps its
    default."""
    raw = reader.typed(
        "team", 0, data, "weights", dict, "a table such as { weekend = 1.5 }", required=False
    )
    if raw is None:
        return DayWeights()
    # Written as an inline table, every problem is on the `weights =` line; written as a
    # [team.weights] table, each is on its own key's line.
    nested = ("team.weights", 0) in reader.lines.tables

    def fail(key: str, reason: str) -> None:
        if nested:
            reader.fail("team.weights", 0, key, reason)
        else:
            reader.fail("team", 0, "weights", reason)

    for key in sorted(set(raw) - set(WEIGHT_KEYS)):
        fail(key, f"weights: unknown key {key!r} (expected {', '.join(WEIGHT_KEYS)})")
    found: dict[str, float] = {}
    for key in WEIGHT_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(key, f"weights.{key}: expected a number, got {value!r}")
        elif not (math.isfinite(value) and 0 < value <= MAX_DAY_WEIGHT):
            fail(key, f"weights.{key} {value}: expected more than 0, at most {MAX_DAY_WEIGHT:g}")
        else:
            found[key] = float(value)
    return DayWeights(**found)


def holiday_calendar_codes() -> list[str]:
    """Every code `check_holiday_calendar` accepts: each country, and each of its regions."""
    supported = holiday_calendars.list_supported_countries()
    return sorted(
        [
            *supported,
            *(
                f"{country}-{region}"
                for country, regions in supported.items()
                for region in regions
            ),
        ]
    )


def check_holiday_calendar(code: str) -> str:
    """Return `code` if the `holidays` package knows it: `DE` or a region such as `DE-BY`."""
    country, _, region = code.partition("-")
    supported = holiday_calendars.list_supported_countries()
    if country not in supported:
        raise InvalidPolicy("holidays", code, "not a country code known to the holidays package")
    if region and region not in supported[country]:
        raise InvalidPolicy("holidays", code, f"{country} has no region {region!r}")
    return code


def read_stability_tolerance(reader: Reader, data: dict[str, Any]) -> float:
    """`stability_tolerance = 0.5`: how much balance, in periods of load per unit of weight, a
    regeneration may give up to keep the published plan (0 keeps only what costs nothing)."""
    value = data.get("stability_tolerance", 0.5)
    if isinstance(value, bool) or not isinstance(value, int | float):
        reader.fail(
            "team",
            0,
            "stability_tolerance",
            f"stability_tolerance: expected a number, got {value!r}",
        )
        return 0.5
    if not (math.isfinite(value) and 0 <= value <= STABILITY_TOLERANCE_MAX):
        reader.fail(
            "team",
            0,
            "stability_tolerance",
            f"stability_tolerance {value}: expected 0 to {STABILITY_TOLERANCE_MAX:g}",
        )
        return 0.5
    return float(value)
