"""Period arithmetic (SPEC section 2): handoffs, tiling, DST, look-ups and policy parsing.

The oracles here do not reuse `rotation.periods`: a wall time's instants are found by trying every
UTC offset the zone uses around that day, and a handoff pushed out of a gap is checked by reading
the local clock one second before it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation.errors import InvalidPolicy, NaiveDatetime, UnknownTimezone
from rotation.model import Period, Policy
from rotation.periods import (
    first_handoff_day,
    handoff,
    parse_handoff,
    parse_period,
    parse_timezone,
    period,
    period_at,
    period_index_at,
    periods_between,
    wall_time_to_utc,
)

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "America/Santiago",  # DST changes at midnight
    "America/Havana",  # DST changes at midnight
    "Asia/Beirut",  # DST changes at midnight
    "Australia/Lord_Howe",  # 30-minute DST change
    "Pacific/Apia",  # skipped 2011-12-30; DST until 2021
    "UTC",
    "Asia/Kolkata",  # +05:30, no DST
    "Europe/Dublin",  # negative DST in tzdata
    "Africa/Casablanca",  # moves back and forth around Ramadan
    "America/St_Johns",  # -03:30 with DST
)

# Wall times where DST changes happen somewhere, mixed with arbitrary ones.
TRICKY_TIMES = (time(0, 0), time(0, 30), time(1, 0), time(1, 30), time(1, 45), time(2, 0))
TRICKY_TIMES += (time(2, 15), time(2, 30), time(2, 59), time(3, 0), time(23, 0), time(23, 30))

wall_times = st.sampled_from(TRICKY_TIMES) | st.builds(time, st.integers(0, 23), st.integers(0, 59))


@st.composite
def policies(draw: st.DrawFn, zones: tuple[str, ...] = ZONES) -> Policy:
    period_days = draw(st.sampled_from([1, 2, 7, 14]))
    weekday = draw(st.none() | st.integers(0, 6)) if period_days % 7 == 0 else None
    return Policy(
        timezone=draw(st.sampled_from(zones)),
        period_days=period_days,
        handoff_time=draw(wall_times),
        start=draw(st.dates(date(2020, 1, 1), date(2035, 12, 31))),
        handoff_weekday=weekday,
    )


def local_naive(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def wall_instants(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """Every UTC instant at which the clocks of `zone` read `wall` on `day`, earliest first."""
    naive = datetime.combine(day, wall)
    probe = naive.replace(tzinfo=UTC)
    offsets = {(probe + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(-48, 49, 3)}
    hits = set()
    for offset in offsets:
        assert offset is not None
        instant = (naive - offset).replace(tzinfo=UTC)
        if local_naive(instant, zone) == naive:
            hits.add(instant)
    return sorted(hits)


def assert_handoff_rule(instant: datetime, day: date, wall: time, zone: ZoneInfo) -> bool:
    """Check the SPEC section 2 rule for one handoff; return True when it kept its wall time."""
    assert instant.tzinfo is UTC
    hits = wall_instants(day, wall, zone)
    if hits:
        # The wall time exists: the handoff is its first occurrence.
        assert instant == hits[0], (day, wall, zone, instant, hits)
        return True
    # The wall time falls in a gap: the handoff is the first instant after it.
    naive = datetime.combine(day, wall)
    assert local_naive(instant - timedelta(seconds=1), zone) < naive < local_naive(instant, zone)
    return False


def handoff_day(policy: Policy, index: int) -> date:
    return first_handoff_day(policy) + timedelta(days=index * policy.period_days)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- tiling and the DST rule ----------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(policy=policies(), data=st.data())
def test_periods_tile_time_and_keep_their_wall_time(policy: Policy, data: st.DataObject) -> None:
    zone = ZoneInfo(policy.timezone)
    first = data.draw(st.integers(0, 2 * 366 // policy.period_days), label="first index")
    count = 370 // policy.period_days + 2  # a whole year: every DST change of the zone
    periods = [period(policy, index) for index in range(first, first + count)]

    for index, current in enumerate(periods, start=first):
        assert current.index == index
        assert current.start == handoff(policy, index)
        assert current.end == handoff(policy, index + 1)
        assert current.start < current.end
        assert current.start.tzinfo is UTC
        assert current.end.tzinfo is UTC
    for before, after in pairwise(periods):
        assert before.end == after.start

    kept = [
        assert_handoff_rule(
            handoff(policy, index), handoff_day(policy, index), policy.handoff_time, zone
        )
        for index in range(first, first + count + 1)
    ]
    for current, start_kept, end_kept in zip(periods, kept, kept[1:], strict=False):
        if start_kept and end_kept:
            # Both ends at the wall time: the length is the calendar days less the offset change.
            start_offset = current.start.astimezone(zone).utcoffset()
            end_offset = current.end.astimezone(zone).utcoffset()
            assert start_offset is not None
            assert end_offset is not None
            shift = end_offset - start_offset
            assert current.end - current.start == timedelta(days=policy.period_days) - shift


@settings(max_examples=60, deadline=None)
@given(policy=policies())
def test_first_handoff_is_the_first_handoff_day_on_or_after_start(policy: Policy) -> None:
    day = first_handoff_day(policy)
    assert policy.start <= day < policy.start + timedelta(days=7)
    if policy.handoff_weekday is None:
        assert day == policy.start
    else:
        assert day.weekday() == policy.handoff_weekday
    assert_handoff_rule(handoff(policy, 0), day, policy.handoff_time, ZoneInfo(policy.timezone))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("period_days", [1, 7])
@pytest.mark.parametrize("wall", [time(0, 0), time(2, 30)])
def test_two_years_of_periods_tile_in_every_zone(zone: str, period_days: int, wall: time) -> None:
    weekday = 6 if period_days == 7 else None  # Sunday: the day most zones change their clocks
    policy = Policy(zone, period_days, wall, date(2027, 1, 1), weekday)
    periods = [period(policy, index) for index in range(2 * 366 // period_days)]
    for before, after in pairwise(periods):
        assert before.start < before.end == after.start
    for index, current in enumerate(periods):
        assert_handoff_rule(current.start, handoff_day(policy, index), wall, ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        # Spring forward: the first instant after the gap.
        ("Europe/Berlin", date(2027, 3, 28), time(2, 30), utc(2027, 3, 28, 1, 0)),
        ("Europe/Berlin", date(2027, 3, 28), time(2, 0), utc(2027, 3, 28, 1, 0)),
        ("America/New_York", date(2027, 3, 14), time(2, 30), utc(2027, 3, 14, 7, 0)),
        ("America/Santiago", date(2027, 9, 5), time(0, 0), utc(2027, 9, 5, 4, 0)),
        ("America/Havana", date(2027, 3, 14), time(0, 0), utc(2027, 3, 14, 5, 0)),
        ("America/Havana", date(2027, 3, 14), time(0, 30), utc(2027, 3, 14, 5, 0)),
        ("Asia/Beirut", date(2027, 3, 28), time(0, 0), utc(2027, 3, 27, 22, 0)),
        ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 15), utc(2027, 10, 2, 15, 30)),
        ("Australia/Sydney", date(2027, 10, 3), time(2, 30), utc(2027, 10, 2, 16, 0)),
        ("Pacific/Apia", date(2011, 12, 30), time(9, 0), utc(2011, 12, 30, 10, 0)),
        # Fall back: the first occurrence of the repeated wall time.
        ("Europe/Berlin", date(2027, 10, 31), time(2, 30), utc(2027, 10, 31, 0, 30)),
        ("America/New_York", date(2027, 11, 7), time(1, 30), utc(2027, 11, 7, 5, 30)),
        ("America/Santiago", date(2027, 4, 3), time(23, 30), utc(2027, 4, 4, 2, 30)),
        ("Australia/Lord_Howe", date(2027, 4, 4), time(1, 45), utc(2027, 4, 3, 14, 45)),
        # Ordinary days.
        ("Europe/Berlin", date(2027, 3, 1), time(9, 0), utc(2027, 3, 1, 8, 0)),
        ("Asia/Kolkata", date(2027, 3, 1), time(9, 0), utc(2027, 3, 1, 3, 30)),
        ("UTC", date(2027, 3, 1), time(9, 0), utc(2027, 3, 1, 9, 0)),
    ],
)
def test_handoff_wall_time_across_dst(zone: str, day: date, wall: time, expected: datetime) -> None:
    assert wall_time_to_utc(day, wall, ZoneInfo(zone)) == expected
    policy = Policy(zone, 1, wall, day)
    assert handoff(policy, 0) == expected
    assert period(policy, 0).start == expected


@pytest.mark.parametrize(
    ("zone", "monday", "hours"),
    [
        ("Europe/Berlin", date(2027, 3, 22), 167),
        ("Europe/Berlin", date(2027, 10, 25), 169),
        ("America/New_York", date(2027, 3, 8), 167),
        ("America/New_York", date(2027, 11, 1), 169),
        ("Europe/Berlin", date(2027, 3, 1), 168),
        ("Asia/Kolkata", date(2027, 3, 22), 168),
    ],
)
def test_weekly_period_lasts_167_or_169_hours_across_dst(
    zone: str, monday: date, hours: int
) -> None:
    policy = Policy(zone, 7, time(9, 0), monday, handoff_weekday=0)
    current = period(policy, 0)
    assert current.end - current.start == timedelta(hours=hours)
    assert current.start.astimezone(ZoneInfo(zone)).time() == time(9, 0)
    assert current.end.astimezone(ZoneInfo(zone)).time() == time(9, 0)


def test_lord_howe_weekly_period_across_half_hour_change_lasts_167_and_a_half_hours() -> None:
    policy = Policy("Australia/Lord_Howe", 7, time(9, 0), date(2027, 9, 27), handoff_weekday=0)
    current = period(policy, 0)
    assert current.end - current.start == timedelta(hours=167, minutes=30)


def test_daily_period_across_dst_lasts_23_or_25_hours() -> None:
    spring = Policy("Europe/Berlin", 1, time(9, 0), date(2027, 3, 27))
    autumn = Policy("Europe/Berlin", 1, time(9, 0), date(2027, 10, 30))
    assert period(spring, 0).end - period(spring, 0).start == timedelta(hours=23)
    assert period(autumn, 0).end - period(autumn, 0).start == timedelta(hours=25)


def test_apia_skipped_day_leaves_no_empty_period() -> None:
    # Pacific/Apia went from 2011-12-29 23:59:59 (-10:00) to 2011-12-31 00:00 (+14:00). The 00:00
    # handoff of the day that never happened moves to the first instant after the gap, which is
    # also the 00:00 handoff of 2011-12-31: period 1 has no length. It is never handed out for
    # planning, and its neighbours still meet.
    policy = Policy("Pacific/Apia", 1, time(0, 0), date(2011, 12, 29))
    assert period(policy, 1).start == period(policy, 1).end
    periods = periods_between(policy, utc(2011, 12, 29, 10), utc(2012, 1, 2, 10))
    assert [p.index for p in periods] == [0, 2, 3, 4]
    for current in periods:
        assert current.start < current.end, f"empty period {current}"
    assert periods[0].end == periods[1].start


def test_apia_skipped_day_with_daytime_handoff() -> None:
    policy = Policy("Pacific/Apia", 1, time(9, 0), date(2011, 12, 29))
    starts = [period(policy, index).start for index in range(3)]
    assert starts == [utc(2011, 12, 29, 19, 0), utc(2011, 12, 30, 10, 0), utc(2011, 12, 30, 19, 0)]


def test_period_index_must_not_be_negative() -> None:
    policy = Policy("UTC", 7, time(9, 0), date(2027, 1, 4), 0)
    with pytest.raises(InvalidPolicy):
        period(policy, -1)


# --- look-ups -------------------------------------------------------------------------------


def brute_force_index(policy: Policy, at: datetime) -> int | None:
    if at < handoff(policy, 0):
        return None
    index = 0
    while handoff(policy, index + 1) <= at:
        index += 1
    return index


@settings(max_examples=100, deadline=None)
@given(
    policy=policies(),
    offset=st.integers(-10 * 86_400, 2 * 366 * 86_400),
    micros=st.integers(0, 999_999),
)
def test_period_index_at_agrees_with_brute_force(policy: Policy, offset: int, micros: int) -> None:
    at = handoff(policy, 0) + timedelta(seconds=offset, microseconds=micros)
    expected = brute_force_index(policy, at)
    assert period_index_at(policy, at) == expected
    found = period_at(policy, at)
    if expected is None:
        assert found is None
    else:
        assert found == period(policy, expected)
        assert found.contains(at)
    # The same instant written in another zone is the same instant.
    assert period_index_at(policy, at.astimezone(ZoneInfo("Asia/Kolkata"))) == expected


@settings(max_examples=60, deadline=None)
@given(policy=policies(), index=st.integers(0, 120))
def test_a_handoff_belongs_to_the_period_it_starts(policy: Policy, index: int) -> None:
    at = handoff(policy, index)
    assert period_index_at(policy, at) == index
    tick = timedelta(microseconds=1)
    assert period_index_at(policy, at - tick) == (index - 1 if index > 0 else None)


@settings(max_examples=80, deadline=None)
@given(
    policy=policies(),
    since_offset=st.integers(-20 * 86_400, 400 * 86_400),
    length=st.integers(1, 60 * 86_400),
)
def test_periods_between_yields_exactly_the_overlapping_periods(
    policy: Policy, since_offset: int, length: int
) -> None:
    since = handoff(policy, 0) + timedelta(seconds=since_offset)
    until = since + timedelta(seconds=length)
    last = period_index_at(policy, until)
    assert last is not None or until <= handoff(policy, 0)
    candidates = [period(policy, index) for index in range((last or 0) + 2)]
    expected = [p for p in candidates if p.start < until and since < p.end]
    assert list(periods_between(policy, since, until)) == expected


def test_periods_between_before_the_first_period_is_empty() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    first_handoff = utc(2027, 1, 4, 8, 0)
    assert list(periods_between(policy, utc(2026, 12, 1), first_handoff)) == []
    found = periods_between(policy, utc(2026, 12, 1), first_handoff + timedelta(minutes=1))
    assert [p.index for p in found] == [0]


def test_periods_between_across_berlin_spring_forward() -> None:
    policy = Policy("Europe/Berlin", 7, time(2, 30), date(2027, 3, 21), 6)
    found = list(periods_between(policy, utc(2027, 3, 21), utc(2027, 4, 5)))
    assert [p.start for p in found] == [
        utc(2027, 3, 21, 1, 30),
        utc(2027, 3, 28, 1, 0),  # 02:30 does not exist: 03:00 CEST
        utc(2027, 4, 4, 0, 30),
    ]
    assert found[0].end - found[0].start == timedelta(hours=167, minutes=30)
    assert found[1].end - found[1].start == timedelta(hours=167, minutes=30)


NAIVE = datetime(2027, 3, 1, 9, 0)


def test_period_lookups_reject_naive_datetimes() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    with pytest.raises(NaiveDatetime):
        period_index_at(policy, NAIVE)
    with pytest.raises(NaiveDatetime):
        period_at(policy, NAIVE)
    with pytest.raises(NaiveDatetime):
        list(periods_between(policy, NAIVE, utc(2027, 4, 1)))
    with pytest.raises(NaiveDatetime):
        list(periods_between(policy, utc(2027, 2, 1), NAIVE))


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [("1d", 1), ("3d", 3), ("1w", 7), ("2w", 14), (" 2w ", 14), ("366d", 366)],
)
def test_parse_period_accepts(text: str, days: int) -> None:
    assert parse_period(text) == days


@pytest.mark.parametrize(
    "text", ["0d", "0w", "1x", "", "d", "w", "-1d", "1.5w", "1 week", "400d", "53w", None, 7]
)
def test_parse_period_rejects(text: object) -> None:
    with pytest.raises(InvalidPolicy):
        parse_period(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "period_days", "expected"),
    [
        ("monday 09:00", 7, (0, time(9, 0))),
        ("Sunday 23:59", 14, (6, time(23, 59))),
        ("FRIDAY 00:00", 7, (4, time(0, 0))),
        ("09:00", 7, (None, time(9, 0))),
        ("09:00", 1, (None, time(9, 0))),
        ("9:05", 3, (None, time(9, 5))),
        ("00:00", 1, (None, time(0, 0))),
    ],
)
def test_parse_handoff_accepts(
    text: str, period_days: int, expected: tuple[int | None, time]
) -> None:
    assert parse_handoff(text, period_days) == expected


@pytest.mark.parametrize(
    ("text", "period_days"),
    [
        ("funday 09:00", 7),
        ("25:00", 7),
        ("24:00", 1),
        ("12:60", 1),
        ("monday 09:00", 3),
        ("monday 09:00", 1),
        ("monday", 7),
        ("", 7),
        ("09", 7),
        ("9h", 7),
        ("monday 9:0", 7),
        (None, 7),
    ],
)
def test_parse_handoff_rejects(text: object, period_days: int) -> None:
    with pytest.raises(InvalidPolicy):
        parse_handoff(text, period_days)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Europe/Berlin", "UTC", "Pacific/Apia", "Asia/Kolkata"])
def test_parse_timezone_accepts(name: str) -> None:
    assert parse_timezone(name) == ZoneInfo(name)


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "", "europe/berlin", "../../etc/passwd", "+01:00"]
)
def test_parse_timezone_rejects(name: str) -> None:
    with pytest.raises(UnknownTimezone) as raised:
        parse_timezone(name)
    assert isinstance(raised.value, InvalidPolicy)


def test_periods_are_frozen_values() -> None:
    current = Period(0, utc(2027, 1, 4, 8), utc(2027, 1, 11, 8))
    assert current.contains(utc(2027, 1, 4, 8))
    assert not current.contains(utc(2027, 1, 11, 8))
    with pytest.raises(AttributeError):
        current.index = 1  # type: ignore[misc]
