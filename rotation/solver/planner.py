"""`plan`, the one entry point: the goals run one after the other on one model, the greedy seed
standing in when the solver finds nothing, and the plans already solved remembered."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from rotation.greedy import greedy
from rotation.model import SLOTS, Assignment, Member, Override, Period, Role, Team, TimeOff
from rotation.solver.balance import balance, rebalance, worst_of
from rotation.solver.bound import bound
from rotation.solver.budget import Budget
from rotation.solver.gaps import gaps
from rotation.solver.inputs import (
    planning_assignments,
    planning_members,
    planning_team,
    planning_time_off,
)
from rotation.solver.outcome import Plan, Solve
from rotation.solver.pairing import pairing
from rotation.solver.problem import SCALE, WEIGHT_SCALE, Problem, Slot, scaled_weight
from rotation.solver.rest import allowances, fix_coverage, rest
from rotation.solver.search import Search
from rotation.solver.spread import spread
from rotation.solver.stability import stability, tolerance

#: Beyond this many choice variables the greedy plan is returned without solving.
MAX_VARIABLES = 400_000


def plan(
    team: Team,
    members: Iterable[Member],
    periods: Sequence[Period],
    time_off: Iterable[TimeOff] = (),
    history: Sequence[Assignment] = (),
    *,
    published: Sequence[Assignment] = (),
    overrides: Sequence[Override] = (),
    budget: Budget | None = None,
    carried: Mapping[tuple[str, Role], float] | None = None,
) -> Plan:
    """Return one assignment per slot of each of `periods`, in period then slot order.

    `history` holds the assignments already fixed, before `periods` or inside them (the past,
    the frozen window, or everything a repair keeps): they stay as they are, and count towards
    the balance, the rest rule, the gaps and the pairing. `published` holds the plan of record
    for the free slots: the stability goal changes as few of them as it can. `overrides` move
    the load of the parts of fixed turns they cover to whoever covered them. A slot with nobody
    eligible is an uncovered assignment (`member` None), never an error. `carried` is extra
    load per (member, role) (`rotation.carried.weighted`): it counts like load already held.
    """
    # Only what the plan depends on, in one order: a renamed member, a time off's new reason
    # or another order of the same rows gives the same problem, hence the same plan.
    team = planning_team(team)
    members = list(planning_members(members))
    time_off = list(planning_time_off(time_off))
    history = planning_assignments(history)
    published = planning_assignments(published)
    periods = sorted(periods, key=lambda p: p.index)
    covers = tuple(sorted(overrides, key=lambda o: (o.start, o.role.value, o.member, o.end)))
    covers = tuple(replace(o, id=None, reason="") for o in covers)
    extra = tuple(sorted((carried or {}).items()))
    key = _key(team, members, periods, time_off, history, published, budget, covers, extra)
    if key in _SOLVED:
        _SOLVED.move_to_end(key)
        found = _SOLVED[key]
        return Plan(list(found.assignments), found.solve)
    result = _plan(
        team, members, periods, time_off, history, published, covers, budget, dict(extra)
    )
    _SOLVED[key] = result
    if len(_SOLVED) > _REMEMBERED:
        _SOLVED.popitem(last=False)
    return Plan(list(result.assignments), result.solve)


def balance_bounds(
    team: Team,
    members: Iterable[Member],
    periods: Sequence[Period],
    time_off: Iterable[TimeOff] = (),
    history: Sequence[Assignment] = (),
    budget: Budget | None = None,
    carried: Mapping[tuple[str, Role], float] | None = None,
) -> dict[Role, float]:
    """A proven lower bound, per role, on the largest |deviation per weight| any plan of the
    free slots of `periods` can reach over the fairness window, counting every member (those
    whose turns are all fixed at their fixed deviation). Empty when nothing is left to plan."""
    team = planning_team(team)
    problem = Problem(
        team,
        list(planning_members(members)),
        sorted(periods, key=lambda p: p.index),
        list(planning_time_off(time_off)),
        planning_assignments(history),
        (),
        carried=carried,
    )
    if not problem.free or len(problem.choices) > MAX_VARIABLES:
        return {}
    seed = greedy(team, problem.members, periods, problem.time_off, history)
    search = Search(problem, budget or Budget(seconds=1.0), seed)
    back_to_back = rest(search)
    if back_to_back is None:
        return {}
    fix_coverage(search)
    bound(search, allowances(search, back_to_back))
    result: dict[Role, float] = {}
    for role in SLOTS:
        adjustable = set(problem.adjustable(role))
        fixed = [
            abs(problem.held[role].get(member, 0) - search.shares[role].get(member, 0))
            * WEIGHT_SCALE
            / scaled_weight(problem.weight[member])
            for member in problem.capacity[role]
            if member not in adjustable
        ]
        result[role] = max([search.bounds.get(role, 0), *fixed]) / SCALE
    return result


#: Plans already solved, by their whole input: a reload of an unchanged team, or a second
#: replica, gets the same plan at once instead of solving again; plans solved in parallel
#: processes (`rotation.solver.parallel`) wait here for the calls that need them.
_SOLVED: OrderedDict[tuple[object, ...], Plan] = OrderedDict()
_REMEMBERED = 512


def _key(
    team: Team,
    members: Iterable[Member],
    periods: Sequence[Period],
    time_off: Iterable[TimeOff],
    history: Sequence[Assignment],
    published: Sequence[Assignment],
    budget: Budget | None,
    covers: tuple[Override, ...] = (),
    extra: tuple[tuple[tuple[str, Role], float], ...] = (),
) -> tuple[object, ...]:
    """The input of a plan as the planner sees it (see `rotation.solver.inputs`); `covers` and
    `extra` are the overrides and the carried load in `plan`'s canonical order."""
    return (
        planning_team(team),
        planning_members(members),
        tuple(sorted(periods, key=lambda p: p.index)),
        planning_time_off(time_off),
        planning_assignments(history),
        planning_assignments(published),
        budget,
        covers,
        extra,
    )


def remember(
    team: Team,
    members: Iterable[Member],
    periods: Sequence[Period],
    time_off: Iterable[TimeOff],
    budget: Budget | None,
    found: Plan,
) -> None:
    """Remember `found` as the plan of these inputs, with no history and nothing published."""
    _SOLVED[_key(team, members, periods, time_off, (), (), budget)] = found
    while len(_SOLVED) > _REMEMBERED:
        _SOLVED.popitem(last=False)


def forget_solved() -> None:
    """Drop the remembered plans (tests of the solver itself start from nothing)."""
    _SOLVED.clear()


def _plan(
    team: Team,
    members: list[Member],
    periods: Sequence[Period],
    time_off: list[TimeOff],
    history: Sequence[Assignment],
    published: Sequence[Assignment],
    overrides: Sequence[Override],
    budget: Budget | None,
    carried: Mapping[tuple[str, Role], float],
) -> Plan:
    started = time.monotonic()
    problem = Problem(
        team, members, periods, time_off, history, published, overrides, carried=carried
    )
    seed = greedy(team, problem.members, periods, problem.time_off, history)
    if not problem.free:
        return Plan(seed, problem.summary("fixed", seed, {}, (), started))
    if len(problem.choices) > MAX_VARIABLES:
        return Plan(seed, problem.summary("greedy", seed, {}, (), started))
    search = Search(problem, budget or Budget(), seed)
    solution = _run(search)
    if solution is None:
        return Plan(seed, problem.summary("greedy", seed, {}, tuple(search.stages), started))
    assignments = problem.assignments(solution)
    solved = problem.summary("cp-sat", assignments, search.bounds, tuple(search.stages), started)
    if problem.published and search.best_worst:
        # What keeping the published plan cost in balance: the balance reached against the
        # best one found before stability, per role, in load units per unit of weight.
        reached = worst_of(search, search.values)
        cost = {
            role: max(0, reached[role] - best) / SCALE for role, best in search.best_worst.items()
        }
        solved = replace(solved, stability_cost=cost)
    seeded = problem.summary("greedy", seed, search.bounds, tuple(search.stages), started)
    # A budget spent before the balance goal was reached can leave the solver's plan less fair
    # than its own seed: never answer worse than the greedy on the first two goals.
    # A regeneration gives up balance within the tolerance on purpose, to keep the published
    # plan: the greedy wins only if it is better by more than that.
    allowance = sum(search.slack.values()) / SCALE
    if _rank(seeded) < _rank(solved, allowance):
        return Plan(seed, seeded)
    return Plan(assignments, solved)


def _rank(solve: Solve, allowance: float = 0.0) -> tuple[int, int, float]:
    return (
        solve.uncovered,
        solve.back_to_back,
        round(sum(solve.max_deviation.values()) - allowance, 6),
    )


def _run(search: Search) -> dict[Slot, str | None] | None:
    """Run the goals in order on `search`; the free slots' holders, or None when goal 1
    found no plan."""
    back_to_back = rest(search)
    if back_to_back is None:
        return None
    fix_coverage(search)
    bound(search, allowances(search, back_to_back))
    # Regenerating a published plan, stability comes right after balance, which then holds
    # only within the team's tolerance: a slightly better balance, a wider gap or one more
    # distinct pair is not worth moving people's turns (the top complaint about on-call tools).
    # Balance, spread, gaps and pairing then improve what the stable plan leaves free.
    regenerating = bool(search.problem.published)
    slack = search.slack = tolerance(search) if regenerating else {}
    # Once the budget is spent, the goals not reached yet keep the incumbent as it is.
    balanced = not search.exhausted and balance(search, slack)
    # Stability runs even on a spent budget (with a floor of its own, see `Spending.run`): an
    # unfinished regeneration must keep the published plan, not answer whatever it stopped at.
    if regenerating:
        stability(search)
        if balanced and not search.exhausted:
            rebalance(search)
    if balanced and not search.exhausted:
        spread(search)
    if back_to_back == 0 and not search.exhausted:
        gaps(search)
    if not search.exhausted:
        pairing(search)
    return search.holder()
