"""The exact engine (`rotation.solver.plan`): hard constraints as properties over random teams,
then the goals of SPEC section 3 on small hand-made teams.

Eligibility is recomputed by the oracle of `tests.test_greedy` (`Scenario.eligible`), not by
`rotation.availability`. Every solve uses one worker (reproducible) and a small budget.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rotation.model import SLOTS, Assignment, Member, Policy, Role, Team, TimeOff
from rotation.periods import period
from rotation.solver import Budget, Plan, forget_solved, plan
from tests.test_greedy import (
    DEV,
    OP,
    Scenario,
    back_to_back,
    best_coverage,
    by_period,
    make_member,
    scenarios,
)

BUDGET = Budget(seconds=0.5, workers=1)
WEEKLY = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
TEAM = Team("payments", "Payments", WEEKLY)


def solve(
    scenario: Scenario,
    history: list[Assignment] | None = None,
    published: list[Assignment] | None = None,
) -> Plan:
    return plan(
        scenario.team,
        scenario.members,
        scenario.periods,
        scenario.time_off,
        history or (),
        published=published or (),
        budget=BUDGET,
    )


def weekly(members: list[Member], count: int, time_off: list[TimeOff] | None = None) -> Scenario:
    periods = [period(WEEKLY, index) for index in range(count)]
    return Scenario(TEAM, members, periods, time_off or [])


def devs(*names: str) -> list[Member]:
    return [make_member(name, frozenset({DEV})) for name in names]


def ops(*names: str) -> list[Member]:
    return [make_member(name, frozenset({OP})) for name in names]


def turns(result: list[Assignment], role: Role) -> Counter[str | None]:
    return Counter(a.member for a in result if a.role == role)


def holders(result: list[Assignment], role: Role) -> list[str | None]:
    return [a.member for a in result if a.role == role]


def small_scenarios() -> st.SearchStrategy[Scenario]:
    return scenarios(min_members=2, max_members=7, min_periods=6, max_periods=16)


# --- 1. hard constraints ---------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(scenario=small_scenarios())
def test_hard_constraints_are_never_violated(scenario: Scenario) -> None:
    result = solve(scenario)
    assignments = result.assignments
    expected = [(p.index, role) for p in scenario.periods for role in SLOTS]
    assert [(a.period.index, a.role) for a in assignments] == expected
    for assignment in assignments:
        assert assignment.period == scenario.periods[assignment.period.index]
        if assignment.member is not None:
            assert scenario.eligible(assignment.member, assignment.role, assignment.period), (
                assignment
            )
    table = by_period(assignments)
    for current in scenario.periods:
        slots = table[current.index]
        developer, operator = slots[DEV].member, slots[OP].member
        assert developer is None or developer != operator, ("two slots of one period", slots)
        covered = sum(slots[role].member is not None for role in SLOTS)
        assert covered == best_coverage(scenario, current), (current, slots)
        for role, other in ((DEV, OP), (OP, DEV)):
            if slots[role].member is None:
                free = scenario.eligible_ids(role, current) - {slots[other].member}
                assert not free, ("uncovered although free", role, current, free)
    # The solve summary agrees with the plan.
    assert result.solve.uncovered == sum(a.member is None for a in assignments)
    assert result.solve.back_to_back == back_to_back(assignments, DEV) + back_to_back(
        assignments, OP
    )


# --- 2. determinism --------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(scenario=small_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_same_input_same_plan_whatever_the_member_order(scenario: Scenario, seed: int) -> None:
    forget_solved()
    first = solve(scenario).assignments
    forget_solved()
    assert solve(scenario).assignments == first
    shuffler = random.Random(seed)
    members, time_off = list(scenario.members), list(scenario.time_off)
    shuffler.shuffle(members)
    shuffler.shuffle(time_off)
    forget_solved()
    shuffled = solve(replace(scenario, members=members, time_off=time_off)).assignments
    assert shuffled == first


# --- 3. history ------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(scenario=small_scenarios(), data=st.data())
def test_fixed_history_inside_the_periods_is_kept_unchanged(
    scenario: Scenario, data: st.DataObject
) -> None:
    keys = [(p.index, role) for p in scenario.periods for role in SLOTS]
    fixed_keys = data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys) // 2))
    ids = [m.id for m in scenario.members] + ["ghost"]
    history = [
        Assignment(role, scenario.periods[index], data.draw(st.none() | st.sampled_from(ids)))
        for index, role in fixed_keys
    ]
    result = solve(scenario, history).assignments
    assert [(a.period.index, a.role) for a in result] == keys
    kept = {(a.period.index, a.role): a for a in result}
    for assignment in history:
        assert kept[assignment.period.index, assignment.role] == assignment
    fixed = set(fixed_keys)
    for (index, role), assignment in kept.items():
        if (index, role) in fixed or assignment.member is None:
            continue
        assert scenario.eligible(assignment.member, role, scenario.periods[index]), assignment
        other = kept[index, OP if role == DEV else DEV]
        assert assignment.member != other.member, ("two slots of one period", assignment, other)


def test_heavy_history_means_fewer_turns() -> None:
    scenario = weekly(devs("alice", "bruno", "chen") + ops("omar", "olga"), 16)
    # Alice held the first four weeks alone; the other developers owe her those turns.
    history = [Assignment(DEV, p, "alice") for p in scenario.periods[:4]]
    history += [
        Assignment(OP, p, name)
        for p, name in zip(scenario.periods[:4], ["omar", "olga"] * 2, strict=True)
    ]
    rest = replace(scenario, periods=scenario.periods[4:])
    result = solve(rest, history).assignments
    assert [a.period.index for a in result[::2]] == list(range(4, 16))
    later = turns(result, DEV)
    assert later["alice"] < later["bruno"], later
    assert later["alice"] < later["chen"], later
    total = later + Counter({"alice": 4})
    assert max(total.values()) - min(total.values()) <= 1, total


# --- 4. rest ---------------------------------------------------------------------------------


@st.composite
def staffed(draw: st.DrawFn) -> Scenario:
    """A random team plus two developers and two operators who are always available."""
    scenario = draw(scenarios(min_members=0, max_members=3, min_periods=6, max_periods=16))
    extra = devs("xavier", "yara") + ops("zack", "zoe")
    return replace(scenario, members=scenario.members + extra)


@settings(max_examples=15, deadline=None)
@given(scenario=staffed())
def test_no_back_to_back_turns_when_two_per_role_are_always_free(scenario: Scenario) -> None:
    result = solve(scenario)
    assert all(a.member is not None for a in result.assignments)
    assert result.solve.back_to_back == 0
    assert back_to_back(result.assignments, DEV) == 0
    assert back_to_back(result.assignments, OP) == 0


# --- 5. balance ------------------------------------------------------------------------------


def test_full_timers_are_balanced_within_one_period_and_proven_optimal() -> None:
    assert TEAM.holidays is None
    scenario = weekly(devs("alice", "bruno", "chen") + ops("omar", "olga"), 14)
    result = solve(scenario)
    assert result.solve.method == "cp-sat"
    assert result.solve.balance_optimal, result.solve
    assert result.solve.uncovered == 0
    for role, names in ((DEV, ("alice", "bruno", "chen")), (OP, ("omar", "olga"))):
        counts = [turns(result.assignments, role)[name] for name in names]
        # Weekly Monday-to-Monday periods all weigh the same: one period load is one turn.
        assert max(counts) - min(counts) <= 1, (role, counts)


def test_half_timer_gets_about_half_the_turns() -> None:
    members = [*devs("alice", "bruno"), make_member("half", frozenset({DEV}), weight=0.5)]
    scenario = weekly(members + ops("omar", "olga"), 15)
    result = solve(scenario)
    assert result.solve.balance_optimal, result.solve
    counts = turns(result.assignments, DEV)
    # Capacity 2.5: 15 turns give 6 to each full-timer and 3 to the half-timer.
    assert abs(counts["half"] - 3) <= 1, counts
    assert abs(counts["alice"] - 6) <= 1, counts
    assert abs(counts["bruno"] - 6) <= 1, counts


# --- 6. stability ----------------------------------------------------------------------------


def test_replanning_an_unchanged_team_keeps_the_published_plan() -> None:
    scenario = weekly(devs("alice", "bruno", "chen") + ops("omar", "olga", "oscar"), 12)
    first = solve(scenario).assignments
    k = 4
    history, published = first[: 2 * k], first[2 * k :]
    forget_solved()
    again = solve(replace(scenario, periods=scenario.periods[k:]), history, published)
    assert again.assignments == published
    # With the history inside the periods (the frozen window), the same.
    forget_solved()
    assert solve(scenario, history, published).assignments == first


def test_a_leaver_moves_only_what_must_move() -> None:
    scenario = weekly(devs("alice", "bruno", "chen") + ops("omar", "olga", "oscar"), 12)
    first = solve(scenario).assignments
    k, leave_at = 4, 8
    history, published = first[: 2 * k], first[2 * k :]
    leaver = next(a.member for a in published if a.role == DEV and a.period.index >= leave_at)
    assert leaver is not None
    # `left` is the last employed day: the Monday period `leave_at` starts on, so they can still
    # finish period `leave_at - 1` but not hold `leave_at`.
    last_day = scenario.periods[leave_at].start.astimezone(WEEKLY.zone).date()
    members = [replace(m, left=last_day) if m.id == leaver else m for m in scenario.members]
    changed = replace(scenario, members=members, periods=scenario.periods[k:])
    forced = sum(1 for a in published if a.member == leaver and a.period.index >= leave_at)
    assert forced >= 1
    result = solve(changed, history, published).assignments
    assert all(a.member != leaver for a in result if a.period.index >= leave_at), (
        "the leaver still holds a turn after leaving"
    )
    assert all(a.member is not None for a in result)
    changes = [
        (before.period.index, before.role, before.member, after.member)
        for before, after in zip(published, result, strict=True)
        if before.member != after.member
    ]
    # Known to fail today (7 changes for 2 forced): SPEC section 3 ranks pairing (goal 4) above
    # stability (goal 5), and keeping alice's replacement to three changes would leave chen
    # meeting oscar four times where the engine's seven changes keep every pair at two or less.
    assert len(changes) <= 2 * forced, (forced, changes)


# --- 7. pairing ------------------------------------------------------------------------------


def pair_counts(result: list[Assignment]) -> Counter[tuple[str | None, str | None]]:
    return Counter((slots[DEV].member, slots[OP].member) for slots in by_period(result).values())


def test_partners_rotate_when_the_earlier_goals_leave_room() -> None:
    # Developers alice and bruno (weight 1) and chen (weight 0.5), operators in a strict
    # three-week cycle (their fair spacing is 3). Balance gives the developers 3, 2 and 1 turns
    # (or 2, 3, 1); their fair spacings (2, 2 and 5) still leave a choice of order, and some
    # order meets every operator at most once: alice at 0, 2, 4, bruno at 1, 5, chen at 3.
    # Without the pairing goal the engine repeats a pair here.
    members = [*devs("alice", "bruno"), make_member("chen", frozenset({DEV}), weight=0.5)]
    result = solve(weekly(members + ops("omar", "olga", "oscar"), 6))
    assert result.solve.back_to_back == 0
    assert result.solve.balance_optimal
    pairs = pair_counts(result.assignments)
    assert None not in {member for pair in pairs for member in pair}
    assert max(pairs.values()) == 1, pairs
    assert len(pairs) == 6, pairs


def test_gaps_outrank_pairing_in_a_three_by_three_team() -> None:
    # SPEC section 3 puts gaps (goal 3) before pairing (goal 4). Three equal members per role
    # have a fair spacing of 3; meeting it forces both roles into a strict three-week cycle, so
    # over nine weeks only three pairs can meet, three times each. (Nine distinct pairs would
    # need some member to serve with a gap of 2.)
    scenario = weekly(devs("alice", "bruno", "chen") + ops("omar", "olga", "oscar"), 9)
    result = solve(scenario).assignments
    for role in SLOTS:
        cycle = holders(result, role)
        assert all(cycle[i] == cycle[i % 3] for i in range(9)), (role, cycle)
        assert len(set(cycle[:3])) == 3, (role, cycle)
    pairs = pair_counts(result)
    assert sorted(pairs.values()) == [3, 3, 3], pairs


# --- 8. uncovered ----------------------------------------------------------------------------


def test_a_role_without_members_is_uncovered_not_an_error() -> None:
    scenario = weekly(devs("alice", "bruno"), 6)
    result = solve(scenario)
    assert holders(result.assignments, OP) == [None] * 6
    assert None not in holders(result.assignments, DEV)
    assert result.solve.uncovered == 6
    assert all(a.uncovered for a in result.assignments if a.role == OP)


def test_everyone_on_time_off_leaves_every_slot_uncovered() -> None:
    members = devs("alice", "bruno") + ops("omar", "olga")
    scenario = weekly(members, 6)
    start, end = scenario.periods[0].start, scenario.periods[-1].end
    away = [TimeOff(m.id, start - timedelta(days=1), end + timedelta(days=1)) for m in members]
    result = solve(replace(scenario, time_off=away))
    assert all(a.member is None for a in result.assignments)
    assert len(result.assignments) == 12
    assert result.solve.uncovered == 12


def test_coverage_comes_before_rest() -> None:
    scenario = weekly(devs("alice") + ops("omar", "olga"), 6)
    result = solve(scenario)
    assert holders(result.assignments, DEV) == ["alice"] * 6
    assert result.solve.uncovered == 0
    assert back_to_back(result.assignments, DEV) == 5
    assert back_to_back(result.assignments, OP) == 0
    assert result.solve.back_to_back == 5


def test_both_role_member_covers_the_slot_only_they_can() -> None:
    # Alice is the only operator; Bob the only other developer.
    members = [make_member("alice", frozenset({DEV, OP})), make_member("bob", frozenset({DEV}))]
    result = solve(weekly(members, 6)).assignments
    assert holders(result, OP) == ["alice"] * 6
    assert holders(result, DEV) == ["bob"] * 6
