"""The resolved schedule (SPEC section 7 shapes): `resolve` over a window, `on_support` at an
instant."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation.errors import BeyondPlan, InvalidInterval, NaiveDatetime
from rotation.greedy import greedy
from rotation.model import SLOTS, Assignment, Member, Policy, Role, Source, Team
from rotation.periods import handoff, period, period_at
from rotation.resolve import on_support, resolve

DEV, OP = Role.DEVELOPER, Role.OPERATOR
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana", "UTC")
PEOPLE = ("alice", "bruno", "chen", "omar", "olga")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@st.composite
def plans(draw: st.DrawFn) -> tuple[Policy, list[Assignment]]:
    """A policy and a plan of its first periods, some slots uncovered, in period then slot order."""
    period_days = draw(st.sampled_from([1, 7, 14]))
    policy = Policy(
        timezone=draw(st.sampled_from(ZONES)),
        period_days=period_days,
        handoff_time=draw(st.sampled_from([time(9, 0), time(0, 0), time(2, 30)])),
        start=draw(st.dates(date(2024, 1, 1), date(2032, 12, 31))),
        handoff_weekday=draw(st.none() | st.integers(0, 6)) if period_days % 7 == 0 else None,
    )
    count = draw(st.integers(1, 20))
    who = st.none() | st.sampled_from(PEOPLE)
    assignments = [
        Assignment(role, period(policy, index), draw(who))
        for index in range(count)
        for role in SLOTS
    ]
    return policy, assignments


def instants(policy: Policy, assignments: list[Assignment]) -> st.SearchStrategy[datetime]:
    """Instants from a while before the first period to a while after the plan's end."""
    low = assignments[0].period.start - timedelta(days=20)
    high = assignments[-1].period.end + timedelta(days=20)
    seconds = int((high - low).total_seconds())
    return st.integers(0, seconds).map(lambda s: low + timedelta(seconds=s))


# --- resolve --------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(drawn=plans(), data=st.data())
def test_resolve_clips_orders_and_never_crosses_a_handoff(
    drawn: tuple[Policy, list[Assignment]], data: st.DataObject
) -> None:
    policy, assignments = drawn
    since = data.draw(instants(policy, assignments), label="since")
    until = since + timedelta(seconds=data.draw(st.integers(1, 40 * 86_400), label="length"))
    shuffled = list(assignments)
    random.Random(data.draw(st.integers(0, 2**16), label="seed")).shuffle(shuffled)

    entries = resolve(shuffled, since, until)

    expected = sorted(
        (
            (max(a.period.start, since), SLOTS.index(a.role), a.member, min(a.period.end, until))
            for a in assignments
            if a.period.start < until and since < a.period.end
        ),
    )
    got = [(e.start, SLOTS.index(e.role), e.member, e.end) for e in entries]
    assert got == expected
    for entry in entries:
        assert since <= entry.start < entry.end <= until
        assert entry.period.start <= entry.start
        assert entry.end <= entry.period.end == handoff(policy, entry.period.index + 1)
        assert period_at(policy, entry.start) == entry.period
        assert entry.source is Source.ROTATION
        assert entry.start.tzinfo is UTC
        assert entry.end.tzinfo is UTC
    # Per slot, the entries tile the part of the window that the plan covers.
    plan_start, plan_end = assignments[0].period.start, assignments[-1].period.end
    for role in SLOTS:
        stretch = [e for e in entries if e.role == role]
        if not stretch:
            assert until <= plan_start or plan_end <= since
            continue
        assert stretch[0].start == max(since, plan_start)
        assert stretch[-1].end == min(until, plan_end)
        for before, after in pairwise(stretch):
            assert before.end == after.start


def test_resolve_orders_developer_before_operator_at_the_same_start() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 3, 1), 0)
    first, second = period(policy, 0), period(policy, 1)
    assignments = [
        Assignment(OP, second, "olga"),
        Assignment(DEV, second, None),
        Assignment(OP, first, "omar"),
        Assignment(DEV, first, "alice"),
    ]
    since, until = utc(2027, 3, 3, 12), utc(2027, 3, 9, 12)
    entries = resolve(assignments, since, until)
    assert [(e.role, e.member, e.start, e.end) for e in entries] == [
        (DEV, "alice", since, utc(2027, 3, 8, 8)),
        (OP, "omar", since, utc(2027, 3, 8, 8)),
        (DEV, None, utc(2027, 3, 8, 8), until),
        (OP, "olga", utc(2027, 3, 8, 8), until),
    ]
    assert [e.period for e in entries] == [first, first, second, second]


def test_resolve_is_half_open() -> None:
    policy = Policy("UTC", 7, time(9, 0), date(2027, 3, 1), 0)
    assignments = [Assignment(role, period(policy, i), "alice") for i in range(2) for role in SLOTS]
    boundary = handoff(policy, 1)
    assert {
        e.period.index for e in resolve(assignments, boundary - timedelta(days=1), boundary)
    } == {0}
    assert {
        e.period.index for e in resolve(assignments, boundary, boundary + timedelta(days=1))
    } == {1}
    assert resolve(assignments, handoff(policy, 2), handoff(policy, 2) + timedelta(days=1)) == []


def test_resolve_rejects_naive_and_empty_windows() -> None:
    policy = Policy("UTC", 7, time(9, 0), date(2027, 3, 1), 0)
    assignments = [Assignment(DEV, period(policy, 0), "alice")]
    naive = datetime(2027, 3, 2)
    with pytest.raises(NaiveDatetime):
        resolve(assignments, naive, utc(2027, 3, 5))
    with pytest.raises(NaiveDatetime):
        resolve(assignments, utc(2027, 3, 1), naive)
    with pytest.raises(InvalidInterval):
        resolve(assignments, utc(2027, 3, 5), utc(2027, 3, 5))
    with pytest.raises(InvalidInterval):
        resolve(assignments, utc(2027, 3, 5), utc(2027, 3, 4))


def test_resolve_accepts_instants_in_any_zone() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 3, 1), 0)
    assignments = [Assignment(DEV, period(policy, 0), "alice")]
    berlin = ZoneInfo("Europe/Berlin")
    entries = resolve(
        assignments, datetime(2027, 3, 2, tzinfo=berlin), datetime(2027, 3, 3, tzinfo=berlin)
    )
    assert [(e.start, e.end) for e in entries] == [(utc(2027, 3, 1, 23), utc(2027, 3, 2, 23))]


# --- on_support -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(drawn=plans(), data=st.data())
def test_on_support_names_the_assigned_members(
    drawn: tuple[Policy, list[Assignment]], data: st.DataObject
) -> None:
    policy, assignments = drawn
    plan_end = assignments[-1].period.end
    at = data.draw(instants(policy, assignments), label="at")

    if at >= plan_end:
        with pytest.raises(BeyondPlan):
            on_support(policy, assignments, at, plan_end)
        return

    answer = on_support(policy, assignments, at, plan_end)
    assert answer.at == at
    if at < handoff(policy, 0):
        assert answer.period is None
        assert answer.holders == {}
        assert answer.uncovered == []
        assert answer.next_handoff == handoff(policy, 0)
        return

    current = answer.period
    assert current is not None
    assert current.contains(at)
    assert current == period_at(policy, at)
    assert answer.next_handoff == current.end == handoff(policy, current.index + 1)
    planned = {a.role: a.member for a in assignments if a.period.index == current.index}
    assert set(answer.holders) == set(SLOTS)
    for role, entry in answer.holders.items():
        assert entry.role == role
        assert entry.member == planned[role]
        assert entry.period == current
        assert entry.start <= at < entry.end
    assert answer.uncovered == [role for role in SLOTS if planned[role] is None]


def test_on_support_before_the_first_period() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    assignments = [Assignment(role, period(policy, 0), "alice") for role in SLOTS]
    for plan_end in (period(policy, 0).end, None):
        answer = on_support(policy, assignments, utc(2027, 1, 4, 7, 59), plan_end)
        assert answer.period is None
        assert answer.holders == {}
        assert answer.uncovered == []
        assert answer.next_handoff == utc(2027, 1, 4, 8, 0)


def test_on_support_at_and_beyond_the_plan_end() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    assignments = [Assignment(role, period(policy, 0), "alice") for role in SLOTS]
    plan_end = period(policy, 0).end
    assert on_support(policy, assignments, plan_end - timedelta(microseconds=1), plan_end).period
    with pytest.raises(BeyondPlan):
        on_support(policy, assignments, plan_end, plan_end)
    with pytest.raises(BeyondPlan):
        on_support(policy, assignments, plan_end + timedelta(days=400), plan_end)
    with pytest.raises(BeyondPlan):
        on_support(policy, [], utc(2027, 1, 5), None)


def test_on_support_rejects_naive_at() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    with pytest.raises(NaiveDatetime):
        on_support(policy, [], datetime(2027, 1, 5, 12), None)


def test_on_support_at_a_handoff_names_the_incoming_pair() -> None:
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 3, 22), 0)
    first, second = period(policy, 0), period(policy, 1)
    assignments = [
        Assignment(DEV, first, "alice"),
        Assignment(OP, first, "omar"),
        Assignment(DEV, second, "bruno"),
        Assignment(OP, second, None),
    ]
    # The spring-forward week lasts 167 hours: the handoff is 07:00 UTC, not 08:00.
    assert second.start == utc(2027, 3, 29, 7, 0)
    before = on_support(policy, assignments, second.start - timedelta(seconds=1), second.end)
    at = on_support(policy, assignments, second.start, second.end)
    assert {r: e.member for r, e in before.holders.items()} == {DEV: "alice", OP: "omar"}
    assert before.uncovered == []
    assert before.next_handoff == second.start
    assert {r: e.member for r, e in at.holders.items()} == {DEV: "bruno", OP: None}
    assert at.uncovered == [OP]
    assert at.period == second
    assert at.next_handoff == utc(2027, 4, 5, 7, 0)


def test_on_support_over_a_scheduled_plan() -> None:
    policy = Policy("America/New_York", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    members = [
        Member(name, name.title(), f"{name}@example.com", frozenset({role}))
        for name, role in (("alice", DEV), ("bruno", DEV), ("omar", OP), ("olga", OP))
    ]
    periods = [period(policy, index) for index in range(52)]
    assignments = greedy(team, members, periods)
    plan_end = periods[-1].end
    for current in periods:
        for at in (current.start, current.end - timedelta(seconds=1)):
            answer = on_support(policy, assignments, at, plan_end)
            assert answer.period == current
            expected = {a.role: a.member for a in assignments if a.period == current}
            assert {r: e.member for r, e in answer.holders.items()} == expected
            assert answer.uncovered == []
