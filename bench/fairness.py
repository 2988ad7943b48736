"""Benchmark: how fair the CP-SAT engine's plans are, against three baselines.

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/fairness.py [--quick] [--sizes 5+3,8+4] [--seed 1]

For seeded teams (developers+operators: 5+3 ... 50+25) planned for 52 weekly periods (Europe/Berlin,
handoff Monday 09:00, holidays DE-BE, from 2027-01-04), with low (0-1) or high (2-4) random
week-long absences per member, 10% part-timers (weight 0.5) and one joiner and one leaver per role,
it compares in one process:

* `fixed-rr`: member i of a role takes period i mod n, whatever their availability (a slot whose
  holder cannot hold it stays assigned and counts as a violation);
* `skip-rr`: round robin that skips to the next member in order who can hold the slot;
* `greedy`: `rotation.greedy.greedy`, the least-loaded greedy;
* `cp-sat`: `rotation.solver.plan` (2 s budget, 10 s for 50+25; deterministic, one thread).

Then the stability scenarios of `bench/stability.py` (leaver, joiner, leaver with joiner, long
leave): changed / forced for the baselines and the engine, with the engine's balance cost, and
the engine's plan time per team size.

Each row gives, per role, the largest |deviation per weight| of `rotation.fairness` over the 52
weeks, the engine's lower bound on it, and the distance to that bound in periods (the difference
over the mean load of a period); then spread, Jain's index, back-to-back turns, distinct pairs,
the most repeated pair, and how many assignments of weeks 26+ change when a developer leaves at
the start of week 30 (the assignments of the leaver from week 30 on are forced to change).
The engine regenerates with weeks 0-25 as history and its old weeks 26+ as published; the
baselines are recomputed (fixed-rr drops the leaver from the rotation from week 30 on).

Engine figures are the same from run to run (deterministic time, one thread, fixed seed);
only the seconds vary with the machine's load.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from datetime import time as wall_time

from stability import SCENARIOS, Outcome, baseline_outcomes, engine_outcomes

from rotation.availability import Availability
from rotation.fairness import FairnessReport, fairness_report
from rotation.greedy import greedy
from rotation.load import load, team_holidays
from rotation.model import SLOTS, Assignment, Member, Period, Policy, Role, Team, TimeOff
from rotation.periods import local_day_start, period
from rotation.resolve import resolve
from rotation.solver import Budget, Solve, plan

SIZES = [(5, 3), (8, 4), (11, 6), (12, 6), (25, 12), (50, 25)]
DENSITIES = {"low": (0, 1), "high": (2, 4)}
WEEKS = 52
START = date(2027, 1, 4)
#: The regeneration scenario: history is weeks [0, REPLAN), the leaver's last day starts LEAVE.
REPLAN = 26
LEAVE = 30


@dataclass
class Instance:
    name: str
    team: Team
    members: list[Member]
    time_off: list[TimeOff]
    periods: list[Period]
    leaver: str  # the developer who leaves at week LEAVE in the regeneration scenario
    budget: Budget


@dataclass
class Row:
    method: str
    assignments: list[Assignment]
    report: FairnessReport
    violations: int
    uncovered: int
    changed: int
    forced: int
    seconds: float
    solve: Solve | None = None


def make_instance(developers: int, operators: int, density: str, seed: int) -> Instance:
    """A seeded team of `developers` + `operators` single-role members."""
    name = f"{developers}+{operators}"
    rng = random.Random(f"{seed}:{name}:{density}")
    policy = Policy("Europe/Berlin", 7, wall_time(9, 0), START, handoff_weekday=0)
    team = Team(id=f"bench-{name}-{density}", name=name, policy=policy, holidays="DE-BE")
    zone = policy.zone
    members: list[Member] = []
    time_off: list[TimeOff] = []
    leaver = ""
    for role, count, prefix in ((Role.DEVELOPER, developers, "d"), (Role.OPERATOR, operators, "o")):
        ids = [f"{prefix}{i:02d}" for i in range(count)]
        order = ids[:]
        rng.shuffle(order)
        joiner, left_mid = order[0], order[1]
        part_time = set(order[2 : 2 + max(1, round(count * 0.1))])
        if role is Role.DEVELOPER:
            leaver = order[2 + len(part_time)]  # a full-timer present all year
        for mid in ids:
            joined = START + timedelta(weeks=rng.randint(16, 36)) if mid == joiner else None
            left = START + timedelta(days=rng.randint(16 * 7, 36 * 7)) if mid == left_mid else None
            members.append(
                Member(
                    id=mid,
                    name=mid,
                    email=f"{mid}@example.com",
                    roles=frozenset({role}),
                    weight=0.5 if mid in part_time else 1.0,
                    joined=joined,
                    left=left,
                )
            )
            low, high = DENSITIES[density]
            for _ in range(rng.randint(low, high)):
                first = START + timedelta(days=rng.randint(0, WEEKS * 7 - 7))
                time_off.append(
                    TimeOff(
                        mid,
                        local_day_start(first, zone),
                        local_day_start(first + timedelta(days=7), zone),
                        "vacation",
                    )
                )
    periods = [period(policy, i) for i in range(WEEKS)]
    seconds = 10.0 if developers + operators > 37 else 2.0
    return Instance(
        f"{name} {density}",
        team,
        members,
        time_off,
        periods,
        leaver,
        Budget(seconds=seconds, workers=2, seed=0),
    )


def with_leaver(instance: Instance) -> list[Member]:
    """The members after the regeneration scenario's leaver left at the start of week LEAVE."""
    last_day = START + timedelta(weeks=LEAVE)
    return [replace(m, left=last_day) if m.id == instance.leaver else m for m in instance.members]


# -- baselines --------------------------------------------------------------------------------


def fixed_round_robin(
    members: Sequence[Member], periods: Sequence[Period], drop: str | None = None
) -> list[Assignment]:
    """Member i of a role takes period i mod n; with `drop`, that member leaves the rotation
    from week LEAVE on and the others take period i mod (n - 1)."""
    result = []
    for current in periods:
        for role in SLOTS:
            ids = sorted(m.id for m in members if role in m.roles)
            if drop is not None and current.index >= LEAVE:
                ids = [mid for mid in ids if mid != drop]
            holder = ids[current.index % len(ids)] if ids else None
            result.append(Assignment(role, current, holder))
    return result


def skip_round_robin(
    team: Team, members: Sequence[Member], periods: Sequence[Period], time_off: list[TimeOff]
) -> list[Assignment]:
    """Round robin in id order that skips whoever cannot hold the slot."""
    availability = Availability(members, time_off, team.policy.zone)
    order = {role: sorted(m.id for m in members if role in m.roles) for role in SLOTS}
    turn = dict.fromkeys(SLOTS, 0)
    result = []
    for current in periods:
        taken: set[str] = set()
        for role in SLOTS:
            ids, holder = order[role], None
            for step in range(len(ids)):
                mid = ids[(turn[role] + step) % len(ids)]
                if mid not in taken and availability.can_hold(mid, role, current):
                    holder = mid
                    turn[role] = (turn[role] + step + 1) % len(ids)
                    taken.add(mid)
                    break
            result.append(Assignment(role, current, holder))
    return result


# -- measuring --------------------------------------------------------------------------------


def slots(assignments: Sequence[Assignment]) -> dict[tuple[int, Role], str | None]:
    return {(a.period.index, a.role): a.member for a in assignments}


def regeneration(
    old: Sequence[Assignment], new: Sequence[Assignment], leaver: str
) -> tuple[int, int]:
    """(changed assignments of weeks REPLAN+, the leaver's old assignments from week LEAVE on)."""
    before, after = slots(old), slots(new)
    changed = sum(
        1 for key, member in before.items() if key[0] >= REPLAN and after.get(key) != member
    )
    forced = sum(1 for (index, _), member in before.items() if index >= LEAVE and member == leaver)
    return changed, forced


def report(
    instance: Instance, assignments: Sequence[Assignment], bounds: dict[Role, float]
) -> FairnessReport:
    since, until = instance.periods[0].start, instance.periods[-1].end
    entries = resolve(assignments, since, until)
    return fairness_report(
        instance.team, instance.members, instance.time_off, entries, since, until, bounds
    )


def run_baseline(
    instance: Instance,
    method: str,
    build: Callable[[list[Member]], list[Assignment]],
    rebuild: Callable[[list[Member]], list[Assignment]],
    bounds: dict[Role, float],
) -> Row:
    began = time.perf_counter()
    assignments = build(instance.members)
    seconds = time.perf_counter() - began
    availability = Availability(instance.members, instance.time_off, instance.team.policy.zone)
    violations = sum(
        1
        for a in assignments
        if a.member is not None and not availability.can_hold(a.member, a.role, a.period)
    )
    changed, forced = regeneration(assignments, rebuild(with_leaver(instance)), instance.leaver)
    return Row(
        method,
        assignments,
        report(instance, assignments, bounds),
        violations,
        sum(1 for a in assignments if a.member is None),
        changed,
        forced,
        seconds,
    )


def run_engine(instance: Instance) -> Row:
    team, periods, time_off = instance.team, instance.periods, instance.time_off
    result = plan(team, instance.members, periods, time_off, budget=instance.budget)
    history = [a for a in result.assignments if a.period.index < REPLAN]
    published = [a for a in result.assignments if a.period.index >= REPLAN]
    again = plan(
        team,
        with_leaver(instance),
        periods[REPLAN:],
        time_off,
        history,
        published=published,
        budget=instance.budget,
    )
    changed, forced = regeneration(result.assignments, history + again.assignments, instance.leaver)
    bounds = dict(result.solve.lower_bound)
    return Row(
        "cp-sat",
        result.assignments,
        report(instance, result.assignments, bounds),
        0,
        result.solve.uncovered,
        changed,
        forced,
        result.solve.seconds,
        result.solve,
    )


def baselines(instance: Instance, bounds: dict[Role, float]) -> list[Row]:
    """The three baselines' rows: fixed round robin, skipping round robin, greedy."""
    team, periods, time_off = instance.team, instance.periods, instance.time_off
    return [
        run_baseline(
            instance,
            "fixed-rr",
            lambda ms: fixed_round_robin(ms, periods),
            lambda ms: fixed_round_robin(ms, periods, drop=instance.leaver),
            bounds,
        ),
        run_baseline(
            instance,
            "skip-rr",
            lambda ms: skip_round_robin(team, ms, periods, time_off),
            lambda ms: skip_round_robin(team, ms, periods, time_off),
            bounds,
        ),
        run_baseline(
            instance,
            "greedy",
            lambda ms: greedy(team, ms, periods, time_off),
            lambda ms: greedy(team, ms, periods, time_off),
            bounds,
        ),
    ]


def pair_floor(instance: Instance, rep: FairnessReport) -> int:
    """max over members of ceil(turns / members of the other role): no plan repeats less."""
    counts = {role: sum(1 for m in instance.members if role in m.roles) for role in SLOTS}
    floor = 0
    for role_report in rep.roles:
        other = counts[Role.OPERATOR if role_report.role is Role.DEVELOPER else Role.DEVELOPER]
        for m in role_report.members:
            if other:
                floor = max(floor, math.ceil(m.periods / other))
    return floor


# -- printing ---------------------------------------------------------------------------------

COLUMNS = [
    ("instance", "<"),
    ("method", "<"),
    ("dev|d|/w", ">"),
    ("dev lb", ">"),
    ("dev dist", ">"),
    ("ops|d|/w", ">"),
    ("ops lb", ">"),
    ("ops dist", ">"),
    ("spread d/o", ">"),
    ("jain d/o", ">"),
    ("b2b", ">"),
    ("pairs", ">"),
    ("maxpair", ">"),
    ("viol", ">"),
    ("unc", ">"),
    ("regen chg/forced", ">"),
    ("seconds", ">"),
]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(COLUMNS))]
    for row in rows:
        print(
            "  ".join(
                f"{cell:{align}{width}}"
                for cell, (_, align), width in zip(row, COLUMNS, widths, strict=True)
            ).rstrip()
        )


def cells(instance: Instance, row: Row, bounds: dict[Role, float], mean_load: float) -> list[str]:
    roles = {r.role: r for r in row.report.roles}
    figures: list[str] = []
    for role in SLOTS:
        worst = roles[role].max_abs_deviation_per_weight
        bound = bounds.get(role, 0.0)
        figures += [f"{worst:.2f}", f"{bound:.2f}", f"{(worst - bound) / mean_load:+.2f}"]
    dev, ops = roles[Role.DEVELOPER], roles[Role.OPERATOR]
    most = row.report.most_repeated_pair
    return [
        instance.name,
        row.method,
        *figures,
        f"{dev.spread:.2f}/{ops.spread:.2f}",
        f"{dev.jain:.3f}/{ops.jain:.3f}",
        str(row.report.back_to_back),
        str(row.report.distinct_pairs),
        str(most.count if most else 0),
        str(row.violations),
        str(row.uncovered),
        f"{row.changed}/{row.forced}",
        f"{row.seconds:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 12+6, low density")
    parser.add_argument("--sizes", help="comma-separated developers+operators, e.g. 5+3,8+4")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = SIZES
    if args.sizes:
        sizes = [(int(d), int(o)) for d, o in (s.strip().split("+") for s in args.sizes.split(","))]
    elif args.quick:
        sizes = [s for s in SIZES if sum(s) <= 18]
    densities = ["low"] if args.quick else list(DENSITIES)

    table: list[list[str]] = [[title for title, _ in COLUMNS]]
    stability_table = [["instance", "scenario", "skip-rr", "greedy", "cp-sat", "cost d/o"]]
    times: list[str] = []
    summary: list[str] = []
    began = time.perf_counter()
    for developers, operators in sizes:
        for density in densities:
            instance = make_instance(developers, operators, density, args.seed)
            team, periods = instance.team, instance.periods
            zone = team.policy.zone
            holidays = team_holidays(team, (START.year, START.year + 1))
            mean_load = sum(
                load(p.start, p.end, zone, holidays, team.weights) for p in periods
            ) / len(periods)

            engine = run_engine(instance)
            assert engine.solve is not None
            bounds = dict(engine.solve.lower_bound)
            rows = [*baselines(instance, bounds), engine]
            for row in rows:
                table.append(cells(instance, row, bounds, mean_load))

            outcomes: list[Outcome] = [
                *baseline_outcomes(
                    instance,
                    "skip-rr",
                    lambda ms, off, team=team, periods=periods: skip_round_robin(
                        team, ms, periods, off
                    ),
                ),
                *baseline_outcomes(
                    instance,
                    "greedy",
                    lambda ms, off, team=team, periods=periods: greedy(team, ms, periods, off),
                ),
                *engine_outcomes(instance, engine.assignments),
            ]
            for scenario in SCENARIOS:
                stability_table.append(
                    [
                        instance.name,
                        scenario,
                        *(f"{o.changed}/{o.forced}" for o in outcomes if o.scenario == scenario),
                        next(o.cost for o in outcomes if o.scenario == scenario and o.cost != "-"),
                    ]
                )
            times.append(f"{instance.name:<10} {engine.solve.seconds:6.2f} s")
            solve = engine.solve
            greedy_row = rows[2]
            worse = [
                mine.role.value
                for mine, theirs in zip(engine.report.roles, greedy_row.report.roles, strict=True)
                if mine.max_abs_deviation_per_weight > theirs.max_abs_deviation_per_weight + 1e-9
            ]
            most = engine.report.most_repeated_pair
            floor = pair_floor(instance, engine.report)
            summary.append(
                f"{instance.name:<10} method {solve.method:<6} "
                f"balance optimal {'yes' if solve.balance_optimal else 'no ':<3} "
                f"({solve.seconds:5.2f} s, gap {solve.gap:.2f})   "
                f"back-to-back 0: {'yes' if engine.report.back_to_back == 0 else 'no '}   "
                f"most repeated pair {most.count if most else 0} vs ceil {floor}   "
                f"regen {engine.changed} <= 2x{engine.forced}: "
                f"{'yes' if engine.changed <= 2 * engine.forced else 'no '}"
                + (f"   WORSE THAN GREEDY: {', '.join(worse)}" if worse else "")
            )
            print(f"done {instance.name} ({time.perf_counter() - began:.1f} s)", flush=True)

    print()
    print_table(table)
    print("\nStability: changed/forced after a change at week 30 (weeks 26+ published)")
    widths = [max(len(r[i]) for r in stability_table) for i in range(len(stability_table[0]))]
    for line in stability_table:
        print("  ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=True)).rstrip())
    print("\nPlan time (cp-sat, wall):")
    for line in times:
        print(f"  {line}")
    print("\nSummary (cp-sat):")
    for line in summary:
        print(f"  {line}")
    print(f"\ntotal {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
