"""The greedy scheduler (the exact engine's seed and fallback): hard constraints as properties
over random teams, then goals.

Eligibility is recomputed here from the members and their time off, with
`rotation.availability.employment` as the one shared piece (employment bounds in the team's zone).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise, product
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from rotation.availability import employment
from rotation.greedy import greedy
from rotation.model import SLOTS, Assignment, Member, Period, Policy, Role, Team, TimeOff
from rotation.periods import period

DEV, OP = Role.DEVELOPER, Role.OPERATOR
ROLE_SETS = (frozenset({DEV}), frozenset({OP}), frozenset({DEV, OP}))
NAMES = ("alice", "bruno", "chen", "dana", "emil", "fatou", "gus", "hana", "ivo", "jun", "kai")
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC")


@dataclass(frozen=True)
class Scenario:
    team: Team
    members: list[Member]
    periods: list[Period]
    time_off: list[TimeOff]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.team.policy.timezone)

    def member(self, member_id: str) -> Member:
        return next(m for m in self.members if m.id == member_id)

    def eligible(self, member_id: str, role: Role, current: Period) -> bool:
        """The hard constraints of SPEC section 3 for one member, role and period."""
        member = self.member(member_id)
        first, last = employment(member, self.zone)
        return (
            role in member.roles
            and (first is None or first <= current.start)
            and (last is None or current.end <= last)
            and not any(
                t.member == member_id and t.start < current.end and current.start < t.end
                for t in self.time_off
            )
        )

    def eligible_ids(self, role: Role, current: Period) -> set[str]:
        return {m.id for m in self.members if self.eligible(m.id, role, current)}

    def always_available(self, member_id: str) -> bool:
        """Employed through the whole plan and never on time off during it."""
        whole = Period(-1, self.periods[0].start, self.periods[-1].end)
        return all(self.eligible(member_id, role, whole) for role in self.member(member_id).roles)

    def run(self, history: list[Assignment] | None = None) -> list[Assignment]:
        return greedy(self.team, self.members, self.periods, self.time_off, history or ())


def make_member(
    member_id: str, roles: frozenset[Role], weight: float = 1.0, **kwargs: object
) -> Member:
    return Member(
        id=member_id,
        name=member_id.title(),
        email=f"{member_id}@example.com",
        roles=roles,
        weight=weight,
        **kwargs,  # type: ignore[arg-type]
    )


@st.composite
def scenarios(
    draw: st.DrawFn,
    min_members: int = 2,
    max_members: int = 8,
    min_periods: int = 1,
    max_periods: int = 24,
) -> Scenario:
    period_days = draw(st.sampled_from([1, 7, 7, 14]))
    policy = Policy(
        timezone=draw(st.sampled_from(ZONES)),
        period_days=period_days,
        handoff_time=draw(st.sampled_from([time(9, 0), time(0, 0), time(2, 30)])),
        start=draw(st.dates(date(2024, 1, 1), date(2032, 12, 31))),
        handoff_weekday=0 if period_days % 7 == 0 else None,
    )
    team = Team("payments", "Payments", policy)
    count = draw(st.integers(min_periods, max_periods))
    periods = [period(policy, index) for index in range(count)]
    span_days = (periods[-1].end - periods[0].start).days + 1

    ids = draw(
        st.lists(st.sampled_from(NAMES), min_size=min_members, max_size=max_members, unique=True)
    )
    members = []
    for member_id in ids:
        joined = draw(
            st.none() | st.integers(-10, span_days).map(lambda d: policy.start + timedelta(days=d))
        )
        left = draw(
            st.none()
            | st.integers(0, span_days + 10).map(
                lambda d, joined=joined: (joined or policy.start) + timedelta(days=d)
            )
        )
        members.append(
            make_member(
                member_id,
                draw(st.sampled_from(ROLE_SETS)),
                draw(st.sampled_from([0.5, 1.0])),
                joined=joined,
                left=left,
            )
        )

    time_off = []
    span_hours = span_days * 24
    for member_id in ids:
        for _ in range(draw(st.integers(0, 2))):
            start = periods[0].start + timedelta(hours=draw(st.integers(-72, span_hours)))
            length = timedelta(hours=draw(st.integers(1, 24 * 21)))
            time_off.append(TimeOff(member_id, start, start + length, "holiday"))
    return Scenario(team, members, periods, time_off)


def by_period(result: list[Assignment]) -> dict[int, dict[Role, Assignment]]:
    table: dict[int, dict[Role, Assignment]] = {}
    for assignment in result:
        table.setdefault(assignment.period.index, {})[assignment.role] = assignment
    return table


def best_coverage(scenario: Scenario, current: Period) -> int:
    """How many of the two slots of `current` some choice of distinct eligible members fills."""
    options = [[*sorted(scenario.eligible_ids(role, current)), None] for role in SLOTS]
    return max(
        sum(member is not None for member in choice)
        for choice in product(*options)
        if choice[0] is None or choice[0] != choice[1]
    )


def back_to_back(result: list[Assignment], role: Role) -> int:
    turns = sorted((a for a in result if a.role == role), key=lambda a: a.period.index)
    return sum(
        1
        for before, after in pairwise(turns)
        if before.member is not None
        and before.member == after.member
        and after.period.index == before.period.index + 1
    )


# --- hard constraints -----------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(scenario=scenarios())
def test_one_assignment_per_slot_per_period_in_order(scenario: Scenario) -> None:
    result = scenario.run()
    expected_keys = [(p.index, role) for p in scenario.periods for role in SLOTS]
    assert [(a.period.index, a.role) for a in result] == expected_keys
    for assignment in result:
        assert assignment.period == scenario.periods[assignment.period.index]
        assert assignment.uncovered == (assignment.member is None)


@settings(max_examples=120, deadline=None)
@given(scenario=scenarios())
def test_hard_constraints_hold_for_every_assignment(scenario: Scenario) -> None:
    result = scenario.run()
    for assignment in result:
        if assignment.member is None:
            continue
        member = scenario.member(assignment.member)
        assert assignment.role in member.roles, assignment
        first, last = employment(member, scenario.zone)
        assert first is None or first <= assignment.period.start, ("before joining", assignment)
        assert last is None or assignment.period.end <= last, ("after leaving", assignment)
        for entry in scenario.time_off:
            if entry.member == assignment.member:
                assert not (
                    entry.start < assignment.period.end and assignment.period.start < entry.end
                ), ("on time off", assignment, entry)
    for slots in by_period(result).values():
        developer, operator = slots[DEV].member, slots[OP].member
        assert developer is None or developer != operator, ("two slots of one period", slots)


@settings(max_examples=120, deadline=None)
@given(scenario=scenarios())
def test_a_slot_is_uncovered_only_when_nobody_eligible_is_free(scenario: Scenario) -> None:
    table = by_period(scenario.run())
    for current in scenario.periods:
        slots = table[current.index]
        covered = sum(slots[role].member is not None for role in SLOTS)
        assert covered == best_coverage(scenario, current), (current, slots)
        for role, other in ((DEV, OP), (OP, DEV)):
            if slots[role].member is None:
                free = scenario.eligible_ids(role, current) - {slots[other].member}
                assert not free, (role, current, free)


def test_leaver_and_joiner_bounds_are_inclusive_days_in_the_team_zone() -> None:
    # Weekly Monday 09:00 Berlin. Alice's last day is Sunday 2027-01-17: her employment ends at
    # 00:00 local on the 18th, before the 09:00 handoff, so she cannot hold the period of Jan
    # 11-18. Carol's last day is Sunday the 10th, so she cannot finish the first period. Bob joins
    # on Tuesday the 12th: the first period he can hold starts on the 18th.
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    members = [
        make_member("alice", frozenset({DEV}), left=date(2027, 1, 17)),
        make_member("bob", frozenset({DEV}), joined=date(2027, 1, 12)),
        make_member("carol", frozenset({DEV}), left=date(2027, 1, 10)),
        make_member("omar", frozenset({OP})),
    ]
    periods = [period(policy, index) for index in range(4)]
    developers = [a.member for a in greedy(team, members, periods) if a.role == DEV]
    assert developers == ["alice", None, "bob", "bob"]


def test_time_off_touching_a_period_boundary_does_not_block_it() -> None:
    policy = Policy("UTC", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    members = [make_member("alice", frozenset({DEV})), make_member("omar", frozenset({OP}))]
    periods = [period(policy, index) for index in range(3)]
    time_off = [
        TimeOff("alice", periods[0].start - timedelta(days=3), periods[0].start),
        TimeOff("alice", periods[2].end, periods[2].end + timedelta(days=3)),
        TimeOff("omar", periods[1].end - timedelta(seconds=1), periods[1].end),
    ]
    result = by_period(greedy(team, members, periods, time_off))
    assert [result[i][DEV].member for i in range(3)] == ["alice", "alice", "alice"]
    assert [result[i][OP].member for i in range(3)] == ["omar", None, "omar"]


def test_member_with_both_roles_is_spent_on_the_slot_nobody_else_can_fill() -> None:
    # Alice is the only operator; Bob and Alice are developers. Filling the developer slot first
    # with Alice would leave the operator slot uncovered.
    policy = Policy("UTC", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    members = [
        make_member("alice", frozenset({DEV, OP})),
        make_member("bob", frozenset({DEV})),
    ]
    periods = [period(policy, index) for index in range(6)]
    for assignment in greedy(team, members, periods):
        assert assignment.member == ("alice" if assignment.role == OP else "bob")


# --- determinism and history ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_plan_is_deterministic_and_ignores_input_order(scenario: Scenario, seed: int) -> None:
    first = scenario.run()
    assert scenario.run() == first
    shuffler = random.Random(seed)
    members = list(scenario.members)
    time_off = list(scenario.time_off)
    shuffler.shuffle(members)
    shuffler.shuffle(time_off)
    assert greedy(scenario.team, members, scenario.periods, time_off) == first


@settings(max_examples=80, deadline=None)
@given(scenario=scenarios(min_periods=2), data=st.data())
def test_fixed_history_inside_the_periods_is_kept_unchanged(
    scenario: Scenario, data: st.DataObject
) -> None:
    keys = [(p.index, role) for p in scenario.periods for role in SLOTS]
    fixed_keys = data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys) // 2))
    # Published assignments are kept even when they would now break a rule, or name someone who
    # has since left the team ("ghost").
    ids = [m.id for m in scenario.members] + ["ghost"]
    history = [
        Assignment(role, scenario.periods[index], data.draw(st.none() | st.sampled_from(ids)))
        for index, role in fixed_keys
    ]
    result = scenario.run(history)
    assert [(a.period.index, a.role) for a in result] == keys
    kept = {(a.period.index, a.role): a for a in result}
    for assignment in history:
        assert kept[(assignment.period.index, assignment.role)] == assignment
    fixed = set(fixed_keys)
    for (index, role), assignment in kept.items():
        if (index, role) in fixed or assignment.member is None:
            continue
        current = scenario.periods[index]
        assert scenario.eligible(assignment.member, role, current), assignment
        other = kept[(index, OP if role == DEV else DEV)]
        assert assignment.member != other.member, ("two slots of one period", assignment, other)


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios(min_periods=2), data=st.data())
def test_extending_a_plan_from_its_own_history_changes_nothing(
    scenario: Scenario, data: st.DataObject
) -> None:
    full = scenario.run()
    cut = data.draw(st.integers(1, len(scenario.periods) - 1))
    history = full[: 2 * cut]
    tail = greedy(
        scenario.team, scenario.members, scenario.periods[cut:], scenario.time_off, history
    )
    assert tail == full[2 * cut :]
    # History may also be passed in together with the periods it covers (the frozen window).
    assert scenario.run(history) == full


# --- goals ----------------------------------------------------------------------------------


@st.composite
def staffed_scenarios(draw: st.DrawFn) -> Scenario:
    """A random team plus two developers and two operators who are always available."""
    scenario = draw(scenarios(min_members=0, max_members=5, min_periods=2, max_periods=30))
    extra = [
        make_member("xavier", frozenset({DEV})),
        make_member("yara", frozenset({DEV})),
        make_member("zack", frozenset({OP})),
        make_member("zoe", frozenset({OP})),
    ]
    return replace(scenario, members=scenario.members + extra)


@settings(max_examples=100, deadline=None)
@given(scenario=staffed_scenarios())
def test_no_back_to_back_turns_when_two_people_per_role_are_always_free(
    scenario: Scenario,
) -> None:
    result = scenario.run()
    assert all(a.member is not None for a in result)
    assert back_to_back(result, DEV) == 0
    assert back_to_back(result, OP) == 0


def test_weekly_turn_counts_of_steady_full_timers_differ_by_at_most_one() -> None:
    # Weeks all weigh the same, so balanced load is balanced turns.
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    members = [make_member(name, frozenset({DEV})) for name in ("alice", "bruno", "chen")]
    members += [make_member(name, frozenset({OP})) for name in ("omar", "olga")]
    result = greedy(team, members, [period(policy, index) for index in range(52)])
    for role, names in ((DEV, ("alice", "bruno", "chen")), (OP, ("omar", "olga"))):
        turns = Counter(a.member for a in result if a.role == role)
        counts = [turns[name] for name in names]
        assert max(counts) - min(counts) <= 1, turns


@settings(max_examples=15, deadline=None)
@given(
    full_timers=st.integers(2, 5),
    zone=st.sampled_from(ZONES),
    start=st.dates(date(2025, 1, 1), date(2032, 12, 31)),
)
def test_half_timer_gets_about_half_the_turns_over_a_year(
    full_timers: int, zone: str, start: date
) -> None:
    policy = Policy(zone, 7, time(9, 0), start, 0)
    team = Team("payments", "Payments", policy)
    members = [make_member(f"full{i}", frozenset({DEV})) for i in range(full_timers)]
    members += [make_member("half", frozenset({DEV}), weight=0.5)]
    members += [make_member("omar", frozenset({OP})), make_member("olga", frozenset({OP}))]
    periods = [period(policy, index) for index in range(52)]
    turns = Counter(a.member for a in greedy(team, members, periods) if a.role == DEV)
    capacity = full_timers + 0.5
    assert abs(turns["half"] - 52 * 0.5 / capacity) <= 1, turns
    for i in range(full_timers):
        assert abs(turns[f"full{i}"] - 52 / capacity) <= 1, turns
    assert sum(turns.values()) == 52


def test_joiner_starts_at_their_share_not_at_zero() -> None:
    # Three developers serve for half a year; a fourth joins. Had the joiner started at zero turns
    # against the others' thirteen, the rotation would hand them the next thirteen weeks in a row
    # (or nearly); starting at their share, they take about a quarter of the turns from then on.
    policy = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    periods = [period(policy, index) for index in range(52)]
    joined = (periods[26].start.astimezone(policy.zone) - timedelta(days=1)).date()
    members = [make_member(name, frozenset({DEV})) for name in ("alice", "bruno", "chen")]
    members += [make_member("dana", frozenset({DEV}), joined=joined)]
    members += [make_member("omar", frozenset({OP})), make_member("olga", frozenset({OP}))]
    result = [a for a in greedy(team, members, periods) if a.role == DEV]
    later = Counter(a.member for a in result if a.period.index >= 26)
    assert all(abs(later[name] - 26 / 4) <= 1 for name in ("alice", "bruno", "chen", "dana")), later


def spec_load(current: Period, zone: ZoneInfo) -> float:
    """SPEC section 3 load of a period: weekday 1.0, weekend 1.5, partial days pro rata."""
    load = 0.0
    day = current.start.astimezone(zone).date()
    while True:
        day_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        if day_start >= current.end:
            return load
        inside = min(day_end, current.end) - max(day_start, current.start)
        if inside > timedelta(0):
            load += (1.5 if day.weekday() >= 5 else 1.0) * (inside / (day_end - day_start))
        day += timedelta(days=1)


def test_daily_rotation_does_not_pin_weekend_days_on_the_same_people() -> None:
    # SPEC section 3, goal 2: balance load, where a weekend day weighs 1.5. With seven developers
    # on a daily rotation, balancing turn counts alone cycles every developer through the same
    # weekday for ever: two of them do every Saturday and every Sunday.
    policy = Policy("Europe/Berlin", 1, time(9, 0), date(2027, 1, 4))
    team = Team("payments", "Payments", policy)
    names = ("alice", "bruno", "chen", "dana", "emil", "fatou", "gus")
    members = [make_member(name, frozenset({DEV})) for name in names]
    members += [make_member(name, frozenset({OP})) for name in ("omar", "olga", "oscar")]
    periods = [period(policy, index) for index in range(364)]
    load: Counter[str] = Counter()
    for assignment in greedy(team, members, periods):
        if assignment.role == DEV and assignment.member is not None:
            load[assignment.member] += spec_load(assignment.period, policy.zone)
    share = sum(load.values()) / len(names)
    # One period weighs at most 1.5; a deviation of two weekend days is already generous.
    worst = max(abs(load[name] - share) for name in names)
    assert worst <= 3.0, {name: round(load[name] - share, 2) for name in names}


def test_history_before_the_periods_counts_towards_balance() -> None:
    policy = Policy("UTC", 7, time(9, 0), date(2027, 1, 4), 0)
    team = Team("payments", "Payments", policy)
    members = [make_member(name, frozenset({DEV})) for name in ("alice", "bruno", "chen")]
    members += [make_member("omar", frozenset({OP})), make_member("olga", frozenset({OP}))]
    periods = [period(policy, index) for index in range(12)]
    # Alice held the first four weeks (published earlier, against the rules): she owes nothing
    # for a while, so the next turns go to Bruno and Chen.
    history = [Assignment(DEV, p, "alice") for p in periods[:4]]
    history += [Assignment(OP, p, "ghost") for p in periods[:4]]  # no longer in the team
    result = greedy(team, members, periods[4:], (), history)
    assert all(a.period.index >= 4 for a in result)
    developers = [a.member for a in result if a.role == DEV]
    assert developers[0] != "alice"
    assert developers[:4].count("alice") == 0
    total = Counter(developers) + Counter({"alice": 4})
    assert max(total.values()) - min(total.values()) <= 1, total
