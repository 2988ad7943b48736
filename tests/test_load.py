"""The load of a period (SPEC section 3): day weights, holidays, part days, DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rotation.load import DayWeights, holiday_dates, load

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


def test_a_week_weighs_five_weekdays_and_two_weekend_days() -> None:
    assert load(berlin(2027, 1, 4), berlin(2027, 1, 11), BERLIN) == pytest.approx(5 + 2 * 1.5)


def test_a_part_day_counts_its_fraction() -> None:
    # Monday 09:00 to Tuesday 09:00: 15 hours of Monday and 9 of Tuesday.
    assert load(berlin(2027, 1, 4, 9), berlin(2027, 1, 5, 9), BERLIN) == pytest.approx(1.0)
    assert load(berlin(2027, 1, 4, 18), berlin(2027, 1, 5, 0), BERLIN) == pytest.approx(0.25)


def test_the_23_hour_spring_sunday_is_one_whole_weekend_day() -> None:
    assert load(berlin(2027, 3, 28), berlin(2027, 3, 29), BERLIN) == pytest.approx(1.5)
    # 00:00 to 12:30 local is 11.5 real hours of its 23 (02:00-03:00 does not exist).
    assert load(berlin(2027, 3, 28), berlin(2027, 3, 28, 12, 30), BERLIN) == pytest.approx(
        1.5 * 11.5 / 23
    )


def test_the_25_hour_autumn_sunday_is_one_whole_weekend_day() -> None:
    assert load(berlin(2027, 10, 31), berlin(2027, 11, 1), BERLIN) == pytest.approx(1.5)


def test_holidays_weigh_more_and_come_from_the_team_calendar() -> None:
    days = holiday_dates("DE-BE", (2027,))
    assert date(2027, 10, 3) in days  # German Unity Day
    assert date(2027, 3, 8) in days  # Women's Day, a holiday in Berlin only
    assert date(2027, 3, 8) not in holiday_dates("DE", (2027,))
    assert load(berlin(2027, 3, 8), berlin(2027, 3, 9), BERLIN, days) == pytest.approx(2.0)


def test_weights_are_configurable() -> None:
    weights = DayWeights(weekday=1.0, weekend=3.0, holiday=5.0)
    assert load(berlin(2027, 1, 9), berlin(2027, 1, 10), BERLIN, frozenset(), weights) == 3.0
