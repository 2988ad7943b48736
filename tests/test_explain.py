"""Explanations (`rotation.explain`): recomputed by brute force on generated teams
(`tests/explain_brute.py`, hour by hour), and small cases checked by hand, one across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rotation.errors import BeyondPlan, NoTurnAt
from rotation.explain import Explanation, Reason, Standing, explain
from rotation.model import (
    Assignment,
    Member,
    Override,
    Policy,
    Role,
    Source,
    Team,
    TimeOff,
)
from rotation.periods import period
from tests.explain_brute import Brute, Fact

DEV, OP = Role.DEVELOPER, Role.OPERATOR
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "America/Santiago")
TOLERANCE = 1e-6


def person(member_id: str, *roles: Role, **extra: object) -> Member:
    return Member(
        member_id,
        member_id.title(),
        f"{member_id}@example.com",
        frozenset(roles),
        **extra,  # type: ignore[arg-type]
    )


@st.composite
def teams(
    draw: st.DrawFn,
) -> tuple[Team, list[Member], list[TimeOff], list[Assignment], list[Override], datetime, Role]:
    zone = draw(st.sampled_from(ZONES))
    weekly = draw(st.booleans())
    # Around the spring changes of 2027 (New York 14 March, Berlin 28 March, Santiago 4 April).
    start = date(2027, 3, 1) + timedelta(days=draw(st.integers(0, 35)))
    policy = Policy(
        zone,
        7 if weekly else 1,
        time(draw(st.integers(0, 23)), 0),
        start,
        handoff_weekday=draw(st.integers(0, 6)) if weekly else None,
    )
    count = draw(st.integers(3, 6)) if weekly else draw(st.integers(4, 12))
    periods = [period(policy, i) for i in range(count)]
    first, last = periods[0].start, periods[-1].end
    span_days = (last - first).days + 1
    local_first = first.astimezone(ZoneInfo(zone)).date()

    def some_day() -> date:
        return local_first + timedelta(days=draw(st.integers(-1, span_days)))

    team = Team(
        "t",
        "T",
        policy,
        extra_holidays=frozenset(draw(st.lists(st.builds(some_day), max_size=2))),
        fairness_since=draw(st.one_of(st.none(), st.builds(some_day))),
    )
    members = []
    for index in range(draw(st.integers(2, 5))):
        roles = draw(st.sampled_from([(DEV,), (OP,), (DEV, OP), (DEV,)]))
        joined = draw(st.one_of(st.none(), st.builds(some_day)))
        left = draw(st.one_of(st.none(), st.builds(some_day)))
        if joined is not None and left is not None and left < joined:
            joined, left = left, joined
        members.append(
            person(
                f"m{index}",
                *roles,
                weight=draw(st.sampled_from([1.0, 0.5, 1.5])),
                joined=joined,
                left=left,
            )
        )
    hours = int((last - first) / timedelta(hours=1))

    def instant() -> datetime:
        return first + timedelta(hours=draw(st.integers(-24, hours + 24)))

    time_off = []
    for _ in range(draw(st.integers(0, 3))):
        a, b = sorted((instant(), instant()))
        if a < b:
            time_off.append(
                TimeOff(
                    draw(st.sampled_from(members)).id,
                    a,
                    b,
                    "away",
                    role=draw(st.sampled_from([None, None, DEV, OP])),
                )
            )
    holders = {role: [m.id for m in members if role in m.roles] for role in (DEV, OP)}
    assignments = [
        Assignment(
            role,
            p,
            draw(st.sampled_from([*holders[role], None])) if holders[role] else None,
            draw(st.sampled_from([Source.ROTATION, Source.ROTATION, Source.SWAP])),
        )
        for p in periods
        for role in (DEV, OP)
    ]
    overrides = []
    for role in (DEV, OP):
        cursor = first
        for _ in range(draw(st.integers(0, 2))):
            if not holders[role]:
                break
            a = cursor + timedelta(hours=draw(st.integers(0, hours // 2)))
            b = a + timedelta(hours=draw(st.integers(1, 60)))
            overrides.append(Override(role, draw(st.sampled_from(holders[role])), a, b))
            cursor = b + timedelta(hours=draw(st.integers(0, 3)))
    at = first + timedelta(minutes=draw(st.integers(0, hours * 60 - 1)))
    return team, members, time_off, assignments, overrides, at, draw(st.sampled_from([DEV, OP]))


def same(actual: Standing, expected: Fact | None) -> bool:
    want = expected or Fact(0.0, 0.0, 0.0, 0.0)
    return all(
        abs(a - b) < TOLERANCE
        for a, b in (
            (actual.load, want.load),
            (actual.share, want.share),
            (actual.deviation, want.deviation),
            (actual.deviation_per_weight, want.per_weight),
        )
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams())
def test_explanation_matches_a_brute_force_recount(case: tuple[object, ...]) -> None:
    team, members, time_off, assignments, overrides, at, role = case
    got = explain(team, members, time_off, assignments, overrides, at, role)  # type: ignore[arg-type]
    want = Brute(team, members, time_off, assignments, overrides).explain(at, role)  # type: ignore[arg-type]

    assert got.period == want["period"]
    assert (got.holder, got.source, got.planned) == (
        want["holder"],
        want["source"],
        want["planned"],
    )
    assert (got.turn_start, got.turn_end) == (want["start"], want["end"])
    assert got.turn_load == pytest.approx(want["load"], abs=TOLERANCE)
    assert got.max_abs_deviation_per_weight == pytest.approx(want["max"], abs=TOLERANCE)
    assert got.spread == pytest.approx(want["spread"], abs=TOLERANCE)
    if want["holder_standing"] is None:
        assert got.holder_standings is None
    else:
        assert got.holder_standings is not None
        b, t, p = want["holder_standing"]  # type: ignore[misc]
        mine = got.holder_standings
        assert same(mine.before, b)
        assert same(mine.through, t)
        assert same(mine.plan, p)
    others = want["others"]
    assert [c.member for c in got.others] == [o["member"] for o in others]  # type: ignore[attr-defined,index]
    for candidate, expected in zip(got.others, others, strict=True):  # type: ignore[call-overload]
        assert [r.value for r in candidate.reasons] == expected["reasons"], candidate.details
        assert len(candidate.details) == len(candidate.reasons)
        b, t, p = expected["standing"]
        s = candidate.standings
        assert same(s.before, b)
        assert same(s.through, t)
        assert same(s.plan, p)
        if expected["effect"] is None:
            assert candidate.effect is None
        else:
            effect = candidate.effect
            assert effect is not None
            e = expected["effect"]
            assert effect.max_abs_deviation_per_weight == pytest.approx(e["max"], abs=TOLERANCE)
            assert effect.change == pytest.approx(e["change"], abs=TOLERANCE)
            assert effect.spread == pytest.approx(e["spread"], abs=TOLERANCE)
            assert effect.spread_change == pytest.approx(e["spread_change"], abs=TOLERANCE)
            assert effect.deviation_per_weight == pytest.approx(e["mine"], abs=TOLERANCE)
            if e["holder"] is None:
                assert effect.holder_deviation_per_weight is None
            else:
                assert effect.holder_deviation_per_weight == pytest.approx(
                    e["holder"], abs=TOLERANCE
                )


# Hand-checked: Berlin weeks from Monday 2027-03-22 09:00; the first holds the change to summer
# time (Sunday 28 March has 23 hours), so it lasts 167 hours and still weighs 8.0 (15/24 of a
# Monday, four weekdays, a weekend at 1.5 a day, 9/24 of the next Monday).
BERLIN = ZoneInfo("Europe/Berlin")
POLICY = Policy("Europe/Berlin", 7, time(9, 0), date(2027, 3, 22), handoff_weekday=0)
TEAM = Team("core", "Core", POLICY)
ANN, BOB, CID, OZZY = (person(m, DEV) for m in ("ann", "bob", "cid", "ozzy"))
OZZY = person("ozzy", OP)


def berlin(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=BERLIN).astimezone(UTC)


def plan(*developers: str | None) -> list[Assignment]:
    return [
        Assignment(role, period(POLICY, index), who)
        for index, developer in enumerate(developers)
        for role, who in ((DEV, developer), (OP, "ozzy"))
    ]


def why(result: Explanation, member: str) -> list[Reason]:
    return next(c.reasons for c in result.others if c.member == member)


def test_a_turn_across_the_spring_change_weighs_a_whole_week() -> None:
    members = [ANN, BOB, CID, OZZY]
    result = explain(TEAM, members, [], plan("bob", "ann", "cid", "bob"), [], berlin(3, 24), DEV)
    assert (result.holder, result.source) == ("bob", Source.ROTATION)
    assert result.turn_end - result.turn_start == timedelta(hours=167)
    assert result.turn_load == pytest.approx(8.0)
    standings = result.holder_standings
    assert standings is not None
    # Nothing before the first turn; through it, bob carried all 8 of a share of 8/3.
    assert standings.before == Standing(0.0, 0.0, 0.0, 0.0)
    assert standings.through.load == pytest.approx(8.0)
    assert standings.through.share == pytest.approx(8 / 3)
    # Over the plan (32): bob 16 of 32/3, ann and cid 8 each.
    assert standings.plan.deviation == pytest.approx(16 - 32 / 3)
    assert result.max_abs_deviation_per_weight == pytest.approx(16 - 32 / 3)
    assert result.spread == pytest.approx(8.0)
    # ann: giving her the turn makes her 16 (+16/3) and bob 8 (-8/3): no worse a largest
    # deviation (16/3) and the same spread; both started at 0, so later goals decided.
    assert why(result, "ann") == [Reason.REST, Reason.LATER_GOALS]
    assert why(result, "cid") == [Reason.LATER_GOALS]


def test_rest_balance_and_share_reasons_by_hand() -> None:
    members = [ANN, BOB, CID, OZZY]
    # Second week (30 March): ann holds it, after bob; cid follows.
    result = explain(
        TEAM, members, [], plan("bob", "ann", "cid", "bob"), [], berlin(3, 31), DEV, bound=0.5
    )
    assert result.holder == "ann"
    standings = result.holder_standings
    assert standings is not None
    assert standings.before.deviation == pytest.approx(-8 / 3)
    bob = next(c for c in result.others if c.member == "bob")
    # bob held the week before: rest; taking it too would make him 24 of 32/3.
    assert bob.reasons == [Reason.REST, Reason.BALANCE]
    assert bob.effect is not None
    assert bob.effect.max_abs_deviation_per_weight == pytest.approx(24 - 32 / 3)
    assert bob.effect.change == pytest.approx(8.0)
    assert "further from the bound 0.50" in bob.details[1]
    # cid follows: rest; taking it would leave ann at 0 of 32/3.
    cid = next(c for c in result.others if c.member == "cid")
    assert cid.reasons == [Reason.REST, Reason.BALANCE]
    assert cid.effect is not None
    assert cid.effect.change == pytest.approx(32 / 3 - (16 - 32 / 3))
    assert cid.effect.holder_deviation_per_weight == pytest.approx(-32 / 3)


def test_time_off_employment_and_the_other_slot_keep_people_out() -> None:
    dana = person("dana", DEV, OP)
    erin = person("erin", DEV, joined=date(2027, 4, 1))
    finn = person("finn", DEV, left=date(2027, 3, 31))
    away = TimeOff("cid", berlin(3, 31), berlin(4, 2), "holiday")
    members = [ANN, BOB, CID, dana, erin, finn, OZZY]
    assignments = [
        *(a for a in plan("bob", "ann", "bob") if not (a.role is OP and a.period.index == 1)),
        Assignment(OP, period(POLICY, 1), "dana"),
    ]
    result = explain(TEAM, members, [away], assignments, [], berlin(3, 31), DEV)
    assert why(result, "cid") == [Reason.TIME_OFF]
    assert why(result, "dana") == [Reason.OTHER_SLOT]
    assert why(result, "erin") == [Reason.NOT_JOINED]
    assert why(result, "finn") == [Reason.LEFT]
    assert next(c for c in result.others if c.member == "cid").effect is None


def test_an_override_holds_its_stretch_and_names_whom_it_replaced() -> None:
    members = [ANN, BOB, CID, OZZY]
    cover = Override(DEV, "cid", berlin(3, 31, 12), berlin(4, 2, 12))
    result = explain(
        TEAM, members, [], plan("bob", "ann", "cid", "bob"), [cover], berlin(4, 1), DEV
    )
    assert (result.holder, result.source, result.planned) == ("cid", Source.OVERRIDE, "ann")
    assert (result.turn_start, result.turn_end) == (cover.start, cover.end)
    assert result.turn_load == pytest.approx(2.0)
    assert why(result, "ann")[0] is Reason.OVERRIDDEN


def test_an_uncovered_slot_names_who_could_hold_it() -> None:
    members = [ANN, BOB, OZZY]
    away = TimeOff("bob", berlin(3, 30), berlin(4, 1))
    result = explain(TEAM, members, [away], plan("ann", None, "bob"), [], berlin(3, 31), DEV)
    assert result.holder is None
    assert result.holder_standings is None
    assert why(result, "bob") == [Reason.TIME_OFF]
    assert why(result, "ann") == [Reason.REST, Reason.AVAILABLE]


def test_instants_outside_the_plan_are_refused() -> None:
    assignments = plan("ann", "bob")
    with pytest.raises(NoTurnAt):
        explain(TEAM, [ANN, BOB, OZZY], [], assignments, [], berlin(3, 1), DEV)
    with pytest.raises(BeyondPlan):
        explain(TEAM, [ANN, BOB, OZZY], [], assignments, [], berlin(4, 5, 9), DEV)
