"""Overrides in the resolved schedule, and `schedule_changes` (the pure core).

The property tests check SPEC's invariants with an override applied: for every instant of the
plan exactly one holder per slot, the override's member inside it, the rotation's outside, no
entry across a handoff, and no gap or overlap; across DST changes in zones that change at 02:00,
at midnight and by 30 minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotation.changes import schedule_changes
from rotation.errors import InvalidInterval, NaiveDatetime
from rotation.model import SLOTS, Assignment, Override, Policy, Role, Source
from rotation.periods import period
from rotation.resolve import on_support, resolve

DEV, OP = Role.DEVELOPER, Role.OPERATOR
BERLIN_WEEKLY = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 3, 1), 0)
ZONES = ("Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "America/New_York")
PEOPLE = ("alice", "bruno", "chen", "omar")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def weekly_plan(weeks: int) -> list[Assignment]:
    return [
        Assignment(role, period(BERLIN_WEEKLY, i), ("alice", "omar")[SLOTS.index(role)])
        for i in range(weeks)
        for role in SLOTS
    ]


def test_an_override_inside_a_period_splits_it_in_three() -> None:
    plan = weekly_plan(1)
    first = plan[0].period
    cover = Override(DEV, "bruno", first.start + timedelta(days=2), first.start + timedelta(days=3))
    entries = [e for e in resolve(plan, first.start, first.end, [cover]) if e.role is DEV]
    assert [(e.member, e.source) for e in entries] == [
        ("alice", Source.ROTATION),
        ("bruno", Source.OVERRIDE),
        ("alice", Source.ROTATION),
    ]
    assert [(e.start, e.end) for e in entries] == [
        (first.start, cover.start),
        (cover.start, cover.end),
        (cover.end, first.end),
    ]
    assert all(e.period == first for e in entries)


def test_an_override_over_several_periods_breaks_at_each_handoff() -> None:
    plan = weekly_plan(4)
    # From the middle of week 1 to the middle of week 3: 3 entries of bruno, one per period.
    start = plan[2].period.start + timedelta(days=3)
    end = plan[6].period.start + timedelta(days=3)
    entries = resolve(
        plan, plan[0].period.start, plan[-1].period.end, [Override(OP, "chen", start, end)]
    )
    chen = [e for e in entries if e.member == "chen"]
    assert [(e.start, e.end) for e in chen] == [
        (start, plan[4].period.start),
        (plan[4].period.start, plan[6].period.start),
        (plan[6].period.start, end),
    ]
    assert all(e.role is OP and e.source is Source.OVERRIDE for e in chen)
    # The developer slot is untouched.
    assert {e.member for e in entries if e.role is DEV} == {"alice"}


def test_an_override_names_someone_for_an_uncovered_slot() -> None:
    first = period(BERLIN_WEEKLY, 0)
    plan = [Assignment(DEV, first, None), Assignment(OP, first, "omar")]
    cover = Override(DEV, "bruno", first.start, first.end)
    entries = resolve(plan, first.start, first.end, [cover])
    assert [(e.role, e.member, e.source) for e in entries] == [
        (DEV, "bruno", Source.OVERRIDE),
        (OP, "omar", Source.ROTATION),
    ]


def test_neighbouring_overrides_of_one_member_are_one_stretch() -> None:
    first = period(BERLIN_WEEKLY, 0)
    middle = first.start + timedelta(days=2)
    covers = [
        Override(DEV, "bruno", first.start, middle),
        Override(DEV, "bruno", middle, first.end),
    ]
    entries = [e for e in resolve(weekly_plan(1), first.start, first.end, covers) if e.role is DEV]
    assert [(e.member, e.start, e.end) for e in entries] == [("bruno", first.start, first.end)]


def test_a_swapped_assignment_reports_its_source() -> None:
    first = period(BERLIN_WEEKLY, 0)
    plan = [Assignment(DEV, first, "bruno", Source.SWAP)]
    (entry,) = resolve(plan, first.start, first.end)
    assert entry.source is Source.SWAP


def test_on_support_inside_and_outside_an_override() -> None:
    plan = weekly_plan(2)
    first = plan[0].period
    cover = Override(OP, "chen", first.start + timedelta(hours=5), first.start + timedelta(hours=9))
    inside = on_support(BERLIN_WEEKLY, plan, cover.start, plan[-1].period.end, [cover])
    assert inside.holders[OP].member == "chen"
    assert inside.holders[OP].source is Source.OVERRIDE
    assert inside.holders[DEV].member == "alice"
    at_end = on_support(BERLIN_WEEKLY, plan, cover.end, plan[-1].period.end, [cover])
    assert at_end.holders[OP].member == "omar"
    assert at_end.holders[OP].source is Source.ROTATION


def test_an_override_across_fall_back_keeps_wall_clock_handoffs() -> None:
    # Berlin falls back on 2027-10-31: the week from Monday 25 October lasts 169 hours.
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 10, 18), 0)
    plan = [Assignment(DEV, period(policy, i), "alice") for i in range(3)]
    start, end = utc(2027, 10, 30, 22), utc(2027, 11, 2, 12)
    entries = resolve(
        plan, plan[0].period.start, plan[-1].period.end, [Override(DEV, "bruno", start, end)]
    )
    bruno = [e for e in entries if e.member == "bruno"]
    # The handoff on Monday 1 November 09:00 CET is 08:00 UTC.
    assert [(e.start, e.end) for e in bruno] == [
        (start, utc(2027, 11, 1, 8)),
        (utc(2027, 11, 1, 8), end),
    ]
    assert plan[1].period.end - plan[1].period.start == timedelta(hours=169)


def test_overrides_need_aware_ordered_instants() -> None:
    with pytest.raises(NaiveDatetime):
        Override(DEV, "bruno", datetime(2027, 3, 1, 9), utc(2027, 3, 2))
    with pytest.raises(InvalidInterval):
        Override(DEV, "bruno", utc(2027, 3, 2), utc(2027, 3, 1))


@st.composite
def plans_with_overrides(
    draw: st.DrawFn,
) -> tuple[list[Assignment], list[Override]]:
    period_days = draw(st.sampled_from([1, 7]))
    policy = Policy(
        timezone=draw(st.sampled_from(ZONES)),
        period_days=period_days,
        handoff_time=draw(st.sampled_from([time(9, 0), time(0, 0), time(2, 30)])),
        # Around the DST changes of both hemispheres.
        start=draw(st.sampled_from([date(2027, 3, 20), date(2027, 3, 30), date(2027, 10, 25)])),
        handoff_weekday=0 if period_days == 7 else None,
    )
    count = draw(st.integers(1, 8))
    plan = [
        Assignment(role, period(policy, i), draw(st.none() | st.sampled_from(PEOPLE)))
        for i in range(count)
        for role in SLOTS
    ]
    low, high = plan[0].period.start, plan[-1].period.end
    span = int((high - low).total_seconds())
    overrides: list[Override] = []
    for role in SLOTS:
        # Disjoint overrides of one slot, as the service stores them.
        cuts = sorted(draw(st.lists(st.integers(0, span + 3600), max_size=6, unique=True)))
        for a, b in zip(cuts[::2], cuts[1::2], strict=False):
            who = draw(st.sampled_from(PEOPLE))
            overrides.append(
                Override(role, who, low + timedelta(seconds=a), low + timedelta(seconds=b))
            )
    return plan, overrides


@settings(max_examples=150, deadline=None)
@given(plans_with_overrides(), st.data())
def test_every_instant_has_one_holder_per_slot_and_overrides_win(
    case: tuple[list[Assignment], list[Override]], data: st.DataObject
) -> None:
    plan, overrides = case
    low, high = plan[0].period.start, plan[-1].period.end
    entries = resolve(plan, low, high, overrides)
    for role in SLOTS:
        mine = [e for e in entries if e.role is role]
        # Tiling: no gap, no overlap, from the first handoff to the last.
        assert mine[0].start == low
        assert mine[-1].end == high
        assert all(a.end == b.start for a, b in pairwise(mine))
        # No entry crosses a handoff.
        assert all(e.period.start <= e.start < e.end <= e.period.end for e in mine)
    seconds = data.draw(st.integers(0, int((high - low).total_seconds()) - 1))
    at = low + timedelta(seconds=seconds)
    for role in SLOTS:
        (holder,) = [e for e in entries if e.role is role and e.start <= at < e.end]
        cover = [o for o in overrides if o.role is role and o.start <= at < o.end]
        planned = next(a for a in plan if a.role is role and a.period.contains(at))
        if cover:
            assert (holder.member, holder.source) == (cover[0].member, Source.OVERRIDE)
        else:
            assert (holder.member, holder.source) == (planned.member, planned.source)


# --- schedule_changes -------------------------------------------------------------------------


def test_changes_list_exactly_the_stretches_that_changed_holder() -> None:
    plan = weekly_plan(3)
    low, high = plan[0].period.start, plan[-1].period.end
    before = resolve(plan, low, high)
    second = plan[2].period
    cover = Override(
        DEV, "bruno", second.start + timedelta(days=1), second.start + timedelta(days=2)
    )
    after = resolve(plan, low, high, [cover])
    (change,) = schedule_changes(before, after)
    assert (change.role, change.period, change.start, change.end) == (
        DEV,
        second,
        cover.start,
        cover.end,
    )
    assert (change.before, change.after) == ("alice", "bruno")


def test_no_change_no_entries_and_a_new_source_alone_is_no_change() -> None:
    plan = weekly_plan(2)
    low, high = plan[0].period.start, plan[-1].period.end
    before = resolve(plan, low, high)
    assert schedule_changes(before, before) == []
    relabelled = [Assignment(a.role, a.period, a.member, Source.SWAP) for a in plan]
    assert schedule_changes(before, resolve(relabelled, low, high)) == []


def test_a_refilled_period_is_one_change_and_new_periods_are_none() -> None:
    plan = weekly_plan(2)
    low = plan[0].period.start
    before = resolve(plan, low, plan[-1].period.end)
    refilled = [
        Assignment(
            a.role, a.period, "chen" if (a.role is DEV and a.period.index == 1) else a.member
        )
        for a in plan
    ]
    extended = [*refilled, *(Assignment(r, period(BERLIN_WEEKLY, 2), "bruno") for r in SLOTS)]
    changes = schedule_changes(before, resolve(extended, low, period(BERLIN_WEEKLY, 2).end))
    assert [(c.role, c.period.index, c.before, c.after) for c in changes] == [
        (DEV, 1, "alice", "chen")
    ]
    assert (changes[0].start, changes[0].end) == (plan[2].period.start, plan[2].period.end)
