"""The fairness report (SPEC section 3), on small schedules whose figures are computed by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rotation.errors import InvalidInterval
from rotation.fairness import (
    FairnessReport,
    Interval,
    MemberReport,
    PairCount,
    RoleReport,
    UncoveredInterval,
    fairness_report,
)
from rotation.model import (
    Assignment,
    Member,
    Policy,
    Role,
    ScheduleEntry,
    Source,
    Team,
    TimeOff,
)
from rotation.periods import period
from rotation.resolve import resolve

DEV, OP = Role.DEVELOPER, Role.OPERATOR
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = 7 * 24  # hours in a week without a DST change


def berlin(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BERLIN).astimezone(UTC)


def weekly(start: date, handoff: time = time(0, 0)) -> Policy:
    """Berlin weeks handing off on Mondays; midnight handoffs keep each week's load a round 8."""
    return Policy("Europe/Berlin", 7, handoff, start, handoff_weekday=0)


def make_team(policy: Policy, **extra: object) -> Team:
    return Team("core", "Core", policy, **extra)  # type: ignore[arg-type]


def person(member_id: str, *roles: Role, **extra: object) -> Member:
    return Member(
        member_id,
        member_id.title(),
        f"{member_id}@example.com",
        frozenset(roles),
        **extra,  # type: ignore[arg-type]
    )


def schedule(
    policy: Policy,
    rows: Sequence[tuple[str | None, str | None]],
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[ScheduleEntry], datetime, datetime]:
    """Resolve one (developer, operator) row per period over the rows' periods by default."""
    assignments = [
        Assignment(role, period(policy, index), who)
        for index, row in enumerate(rows)
        for role, who in zip((DEV, OP), row, strict=True)
    ]
    since = since or period(policy, 0).start
    until = until or period(policy, len(rows) - 1).end
    return resolve(assignments, since, until), since, until


def report_of(
    team: Team,
    members: Sequence[Member],
    rows: Sequence[tuple[str | None, str | None]],
    time_off: Sequence[TimeOff] = (),
    **window: datetime,
) -> FairnessReport:
    entries, since, until = schedule(team.policy, rows, **window)
    return fairness_report(team, members, time_off, entries, since, until)


def role_of(report: FairnessReport, role: Role) -> RoleReport:
    (found,) = (r for r in report.roles if r.role == role)
    return found


def member_of(report: FairnessReport, role: Role, member_id: str) -> MemberReport:
    (found,) = (m for m in role_of(report, role).members if m.member == member_id)
    return found


# --- hours, weekend and holiday hours, load ---------------------------------------------------


def test_spring_forward_week_has_167_hours_but_seven_whole_days_of_load() -> None:
    # Monday 2027-03-22 09:00 to Monday 2027-03-29 09:00; clocks jump on Sunday 28th.
    team = make_team(weekly(date(2027, 3, 22), time(9, 0)))
    members = [person("alice", DEV), person("omar", OP)]

    report = report_of(team, members, [("alice", "omar")])

    alice = member_of(report, DEV, "alice")
    assert alice.periods == 1
    assert alice.hours == 167
    assert alice.weekend_hours == 24 + 23  # Saturday, then the 23-hour Sunday
    assert alice.weekday_hours == 15 + 4 * 24 + 9
    assert alice.holiday_hours == 0
    # 15/24 + 4 + 9/24 weekdays and two whole weekend days: not 167/24 days of anything.
    assert alice.load == pytest.approx(5 + 2 * 1.5)
    assert alice.capacity == 1.0
    assert alice.share == pytest.approx(8.0)
    assert alice.deviation == pytest.approx(0.0)
    assert role_of(report, DEV).coverage == 1.0
    assert role_of(report, DEV).covered == [
        Interval(berlin(2027, 3, 22, 9), berlin(2027, 3, 29, 9))
    ]


def test_weekend_and_holiday_hours_split_the_hours_like_the_day_weights() -> None:
    # Monday 2026-12-28 09:00 to Monday 2027-01-04 09:00. Tuesday 29th and Saturday 2nd are the
    # team's own holidays; New Year's Day (Friday) comes from the DE calendar of the *next* year.
    team = make_team(
        weekly(date(2026, 12, 28), time(9, 0)),
        holidays="DE",
        extra_holidays=frozenset({date(2026, 12, 29), date(2027, 1, 2)}),
    )
    members = [person("alice", DEV), person("omar", OP)]

    alice = member_of(report_of(team, members, [("alice", "omar")]), DEV, "alice")

    assert alice.hours == WEEK
    assert alice.weekday_hours == 15 + 24 + 24 + 9  # Mon part, Wed, Thu, Mon part
    assert alice.holiday_hours == 3 * 24  # Tue (extra), Fri (DE), Sat (extra, not weekend)
    assert alice.weekend_hours == 24  # Sunday only
    assert alice.load == pytest.approx(3 * 1.0 + 3 * 2.0 + 1.5)


# --- capacity, share, deviation -----------------------------------------------------------------


def test_a_half_timers_deviation_per_weight_counts_double() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    members = [person("alice", DEV), person("hana", DEV, weight=0.5), person("omar", OP)]
    rows = [("alice", "omar"), ("hana", "omar"), ("hana", "omar")]
    entries, since, until = schedule(team.policy, rows)

    report = fairness_report(team, members, [], entries, since, until, bounds={DEV: 3.5})

    alice, hana = member_of(report, DEV, "alice"), member_of(report, DEV, "hana")
    # Total 24 shared 1.0 : 0.5.
    assert (alice.load, alice.capacity, alice.share) == (8.0, 1.0, 16.0)
    assert (hana.load, hana.capacity, hana.share) == (16.0, 0.5, 8.0)
    assert (alice.deviation, alice.deviation_per_weight) == (-8.0, -8.0)
    assert (hana.deviation, hana.deviation_per_weight) == (8.0, 16.0)
    dev = role_of(report, DEV)
    assert dev.total_load == 24.0
    assert dev.total_capacity == 1.5
    assert dev.spread == 24.0
    assert dev.max_abs_deviation_per_weight == 16.0
    assert dev.lower_bound == 3.5
    assert role_of(report, OP).lower_bound is None
    # x = 8/1 and 16/0.5; h = 168/1 and 336/0.5.
    assert dev.jain == pytest.approx(40**2 / (2 * (8**2 + 32**2)))
    assert dev.balance == pytest.approx(168 / 672)


def test_a_joiners_and_a_leavers_capacity_is_their_employed_fraction() -> None:
    # Four weeks from Monday 2027-01-04 00:00: jo is employed for the last two, lee (last day
    # Sunday 24th) for the first three.
    team = make_team(weekly(date(2027, 1, 4)))
    members = [
        person("alice", DEV),
        person("jo", DEV, joined=date(2027, 1, 18)),
        person("lee", DEV, left=date(2027, 1, 24)),
        person("omar", OP),
    ]
    rows = [("alice", "omar"), ("lee", "omar"), ("jo", "omar"), ("jo", "omar")]

    report = report_of(team, members, rows)

    alice, jo, lee = (member_of(report, DEV, m) for m in ("alice", "jo", "lee"))
    assert (alice.capacity, jo.capacity, lee.capacity) == (1.0, 0.5, 0.75)
    assert role_of(report, DEV).total_capacity == 2.25
    assert alice.share == pytest.approx(32 * 1.0 / 2.25)
    assert jo.share == pytest.approx(32 * 0.5 / 2.25)
    assert lee.share == pytest.approx(32 * 0.75 / 2.25)
    assert jo.deviation == pytest.approx(16 - 32 * 0.5 / 2.25)
    assert sum(m.deviation for m in role_of(report, DEV).members) == pytest.approx(0.0)


def test_time_off_reduces_capacity_and_overlapping_requests_count_once() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    members = [person("alice", DEV, weight=0.5), person("bruno", DEV), person("omar", OP)]
    time_off = [
        TimeOff("alice", berlin(2026, 12, 30), berlin(2027, 1, 5)),  # starts before the window
        TimeOff("alice", berlin(2027, 1, 4), berlin(2027, 1, 11)),
        TimeOff("alice", berlin(2027, 1, 8), berlin(2027, 1, 15)),
        TimeOff("bruno", berlin(2027, 3, 1), berlin(2027, 3, 8)),  # after the window
    ]
    rows = [("bruno", "omar"), ("bruno", "omar"), ("alice", "omar"), ("alice", "omar")]

    report = report_of(team, members, rows, time_off)

    # Off from the 4th to the 15th: 11 of 28 days, not 1 + 7 + 7.
    alice, bruno = member_of(report, DEV, "alice"), member_of(report, DEV, "bruno")
    assert alice.capacity == pytest.approx(0.5 * 17 / 28)
    assert bruno.capacity == 1.0
    assert alice.share == pytest.approx(32 * (0.5 * 17 / 28) / (1 + 0.5 * 17 / 28))
    assert alice.deviation_per_weight == pytest.approx((16 - alice.share) / 0.5)


def test_people_with_entries_in_a_role_they_no_longer_hold_are_reported() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    # fred moved to operations; ghost has left the team file altogether.
    members = [person("alice", DEV), person("fred", OP), person("omar", OP)]
    rows = [("fred", "omar"), ("ghost", "omar"), ("alice", "omar"), ("alice", "omar")]

    dev = role_of(report_of(team, members, rows), DEV)

    assert [m.member for m in dev.members] == ["alice", "fred", "ghost"]
    fred, ghost = dev.members[1], dev.members[2]
    assert (fred.holds_role, fred.load, fred.capacity) == (False, 8.0, 1.0)
    # ghost left at removal: employed until their last turn ended (two of the four weeks), so
    # their past turn stays in the history with a share of its own, not as load owed.
    assert (ghost.holds_role, ghost.weight, ghost.capacity) == (False, 1.0, 0.5)
    assert ghost.share == pytest.approx(32 * 0.5 / 2.5)
    assert ghost.deviation == pytest.approx(8.0 - 6.4)
    assert dev.total_capacity == 2.5  # alice, fred and half of ghost
    assert dev.members[0].share == pytest.approx(32 / 2.5)


# --- Jain's index and balance -------------------------------------------------------------------


def test_jain_and_balance_on_a_known_example() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    members = [*(person(m, DEV) for m in ("ann", "ben", "cat", "dan")), person("omar", OP)]
    rows = [("ann", "omar"), ("ann", "omar"), ("ben", "omar")]

    report = report_of(team, members, rows)

    dev = role_of(report, DEV)
    # x = 16, 8, 0, 0: 24^2 / (4 * (256 + 64)).
    assert dev.jain == pytest.approx(0.45)
    # h = 336, 168, 0, 0: pairs ann-ben 0.5, cat-dan 1.0 (both zero), the other four 0.
    assert dev.balance == pytest.approx(1.5 / 6)
    # Shares of 6 each: deviations 10, 2, -6, -6.
    assert [m.deviation for m in dev.members] == [10.0, 2.0, -6.0, -6.0]
    assert (dev.spread, dev.max_abs_deviation_per_weight) == (16.0, 10.0)
    # One member only: nothing to compare.
    op = role_of(report, OP)
    assert (op.jain, op.balance, op.spread) == (1.0, 1.0, 0.0)


# --- back-to-back turns -------------------------------------------------------------------------


def test_back_to_back_counts_adjacent_periods_of_one_role_even_when_clipped() -> None:
    policy = weekly(date(2027, 1, 4))
    team = make_team(policy)
    members = [
        person("alice", DEV),
        person("bruno", DEV),
        person("dana", DEV, OP),
        person("olga", OP),
        person("omar", OP),
    ]
    rows = [
        ("alice", "omar"),
        ("alice", "olga"),
        ("alice", "omar"),
        ("bruno", "dana"),  # dana: operator, then developer: not back-to-back in one role
        ("dana", "olga"),
        ("alice", "olga"),
    ]
    since = period(policy, 0).start + timedelta(days=3)
    until = period(policy, 5).start + timedelta(days=1)

    report = report_of(team, members, rows, since=since, until=until)

    alice = member_of(report, DEV, "alice")
    assert alice.back_to_back == 2  # weeks 0-1 and 1-2; week 5 follows a gap
    assert alice.periods == 4
    assert alice.hours == 4 * 24 + 2 * WEEK + 24
    assert member_of(report, OP, "olga").back_to_back == 1  # weeks 4-5
    assert member_of(report, DEV, "dana").back_to_back == 0
    assert member_of(report, OP, "dana").back_to_back == 0
    assert (role_of(report, DEV).back_to_back, role_of(report, OP).back_to_back) == (2, 1)
    assert report.back_to_back == 3


# --- pairs --------------------------------------------------------------------------------------


def test_pairs_and_the_most_repeated_pair_with_ties() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    members = [person(m, DEV) for m in ("alice", "bruno")] + [
        person(m, OP) for m in ("olga", "omar")
    ]
    rows = [
        ("alice", "omar"),
        ("alice", "olga"),
        ("bruno", "omar"),
        ("alice", "omar"),
        ("alice", "olga"),
        ("bruno", "olga"),
    ]

    report = report_of(team, members, rows)

    assert report.pair_counts == [
        PairCount("alice", "olga", 2),
        PairCount("alice", "omar", 2),
        PairCount("bruno", "olga", 1),
        PairCount("bruno", "omar", 1),
    ]
    assert report.distinct_pairs == 4
    # alice-olga and alice-omar tie at 2: the lowest ids win, not the first met.
    assert report.most_repeated_pair == PairCount("alice", "olga", 2)
    assert member_of(report, DEV, "alice").partners == 2
    assert member_of(report, OP, "olga").partners == 2


def test_pairs_need_a_positive_overlap_and_count_once_per_period() -> None:
    policy = weekly(date(2027, 1, 4))
    team = make_team(policy)
    members = [person(m, DEV) for m in ("alice", "chen")] + [
        person(m, OP) for m in ("olga", "omar")
    ]
    first, second = period(policy, 0), period(policy, 1)
    mid = first.start + timedelta(days=3)

    def entry(role: Role, who: str, start: datetime, end: datetime) -> ScheduleEntry:
        current = first if start < first.end else second
        return ScheduleEntry(role, who, start, end, current, Source.SWAP)

    entries = [
        # Week 0: a swap at `mid` in both slots; alice/olga and chen/omar only touch.
        entry(DEV, "alice", first.start, mid),
        entry(OP, "omar", first.start, mid),
        entry(DEV, "chen", mid, first.end),
        entry(OP, "olga", mid, first.end),
        # Week 1: chen covers the middle of alice's week; omar holds the whole week.
        entry(DEV, "alice", second.start, second.start + timedelta(days=1)),
        entry(OP, "omar", second.start, second.end),
        entry(DEV, "chen", second.start + timedelta(days=1), second.start + timedelta(days=3)),
        entry(DEV, "alice", second.start + timedelta(days=3), second.end),
    ]

    report = fairness_report(team, members, [], entries, first.start, second.end)

    assert report.pair_counts == [
        PairCount("alice", "omar", 2),
        PairCount("chen", "olga", 1),
        PairCount("chen", "omar", 1),
    ]
    assert report.most_repeated_pair == PairCount("alice", "omar", 2)
    alice = member_of(report, DEV, "alice")
    assert (alice.periods, alice.partners, alice.back_to_back) == (2, 1, 1)


def test_no_pairs_without_both_slots_staffed() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    report = report_of(team, [person("alice", DEV)], [("alice", None)])
    assert (report.pair_counts, report.distinct_pairs, report.most_repeated_pair) == ([], 0, None)


# --- coverage and why a slot is uncovered -------------------------------------------------------


def test_uncovered_because_nobody_holds_the_role() -> None:
    policy = weekly(date(2027, 1, 4))
    team = make_team(policy)

    report = report_of(team, [person("alice", DEV), person("bruno", DEV)], [("alice", None)])

    op = role_of(report, OP)
    whole = period(policy, 0)
    assert op.uncovered == [
        UncoveredInterval(whole.start, whole.end, "nobody holds the operator role")
    ]
    assert (op.covered, op.coverage, op.members) == ([], 0.0, [])
    assert role_of(report, DEV).coverage == 1.0
    assert report.coverage == 0.5


def test_uncovered_because_the_only_both_role_member_holds_the_other_slot() -> None:
    team = make_team(weekly(date(2027, 1, 4)))

    report = report_of(team, [person("dana", DEV, OP)], [("dana", None)])

    (gap,) = role_of(report, OP).uncovered
    assert gap.reason == "dana: holds the developer slot"


def test_uncovered_reasons_name_every_member_who_could_not() -> None:
    policy = weekly(date(2027, 1, 4))
    team = make_team(policy)
    members = [
        person("alice", OP),
        person("bob", OP, joined=date(2027, 2, 1)),
        person("chen", OP, left=date(2026, 12, 31)),
        person("dana", DEV, OP),
    ]
    time_off = [TimeOff("alice", berlin(2027, 1, 8), berlin(2027, 1, 9))]

    report = report_of(team, members, [("dana", None)], time_off)

    (gap,) = role_of(report, OP).uncovered
    assert gap.reason == (
        "alice: time off; bob: not employed (joined 2027-02-01); "
        "chen: not employed (left 2026-12-31); dana: holds the developer slot"
    )


def test_uncovered_intervals_merge_only_when_their_reasons_agree() -> None:
    policy = weekly(date(2027, 1, 4))
    team = make_team(policy)
    members = [person("alice", DEV), person("olga", OP), person("omar", OP)]
    time_off = [
        TimeOff("olga", berlin(2027, 1, 4), berlin(2027, 1, 18)),  # weeks 0 and 1
        TimeOff("omar", berlin(2027, 1, 4), berlin(2027, 1, 25)),  # weeks 0, 1 and 2
    ]
    rows = [("alice", None), ("alice", None), ("alice", None), ("alice", "olga")]

    report = report_of(team, members, rows, time_off)

    op = role_of(report, OP)
    weeks = [period(policy, i) for i in range(4)]
    assert op.uncovered == [
        UncoveredInterval(weeks[0].start, weeks[1].end, "olga: time off; omar: time off"),
        UncoveredInterval(weeks[2].start, weeks[2].end, "olga: available; omar: time off"),
    ]
    assert op.covered == [Interval(weeks[3].start, weeks[3].end)]
    assert op.coverage == 0.25
    assert role_of(report, DEV).covered == [Interval(weeks[0].start, weeks[3].end)]
    assert report.coverage == (4 + 1) / 8


def test_an_empty_window_is_refused() -> None:
    team = make_team(weekly(date(2027, 1, 4)))
    at = berlin(2027, 1, 4)
    with pytest.raises(InvalidInterval):
        fairness_report(team, [], [], [], at, at)
