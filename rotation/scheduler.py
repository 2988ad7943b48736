"""The scheduler: who holds each slot of each period (SPEC section 3).

`plan` is the one entry point. It solves the goals of SPEC section 3 exactly, one after the other,
with OR-Tools CP-SAT: each goal is optimised only among the plans that are best on the goals
before it (its achieved value becomes a constraint for the next). The goals, in order:

1. **rest**: cover every slot someone can take, then the fewest back-to-back turns in a role;
2. **balance**: the smallest largest |deviation per weight| in each role, then the smallest
   spread. Loads and shares follow `rotation.load` over the fairness window, history included;
   members whose turns are all fixed cannot change and are left out of the maximum;
3. **gaps**: the largest G such that every member's turns of a role are at least G periods apart,
   or at least their fair spacing (the role's capacity over theirs) when that is smaller;
4. **pairing**: the fewest meetings of the most repeated developer-operator pair, then the most
   distinct pairs;
5. **stability**: the fewest changes against the published plan. When a published plan is
   regenerated, this goal comes right after balance instead, before gaps and pairing: moving
   people's turns for a slightly wider gap or one more distinct pair is the reshuffle users hate.

The greedy of `rotation.greedy` seeds the solver and stands in when it finds nothing within the
budget. A lower bound on goal 2 comes from an aggregated relaxation (per member, how many free
periods of each load they take, at most one of two in a row), solved by CP-SAT first; reaching it
proves the balance optimal. Loads are counted in hundredths inside the solver.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rotation.availability import Availability, available_fraction
from rotation.greedy import greedy
from rotation.load import load, team_holidays, years_of
from rotation.model import SLOTS, Assignment, Member, Period, Role, Team, TimeOff
from rotation.periods import fairness_start

#: Loads are integers of this many parts per unit of load inside the solver.
SCALE = 100
#: Weights are integers of this many parts per unit of weight inside the solver.
WEIGHT_SCALE = 100
#: Beyond this many choice variables the greedy plan is returned without solving.
MAX_VARIABLES = 400_000
#: How many times the balance relaxation is cut and solved again before the solver closes the
#: remaining gap from above.
MAX_CUTS = 2
#: A load shared by at least this many free periods of a role is counted, not placed, by the
#: balance relaxation.
COMMON = 6
#: Beyond this many pair variables the pairing goal is left to the earlier goals' plan.
MAX_PAIR_VARIABLES = 300_000

# How the time budget is shared between the goals; time a goal leaves unused goes to the next.
_SHARES = {
    "rest": 0.15,
    "bound": 0.2,
    "balance": 0.2,
    "spread": 0.1,
    "gaps": 0.15,
    "pairing": 0.1,
    "stability": 0.1,
}


@dataclass(frozen=True)
class Budget:
    """How long the solver may search for a whole plan, and with how many threads.

    With one worker, `seconds` counts CP-SAT's deterministic time (roughly one to three
    seconds of this machine's each) and plans are reproducible; see `_Solver._run`.
    """

    seconds: float = 4.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True)
class Stage:
    """One goal's outcome: the achieved value, the best proven bound, whether it is optimal."""

    name: str
    value: float
    bound: float
    optimal: bool
    seconds: float


@dataclass(frozen=True)
class Solve:
    """How a plan was found.

    `method` is `cp-sat`, `greedy` (the solver found nothing in time, or the problem is too
    large) or `fixed` (nothing to choose). `max_deviation` and `lower_bound` give, per role, the
    achieved largest |deviation per weight| among the members the plan could still change and a
    proven lower bound on it; `balance_optimal` says they meet. `gap` is their total distance.
    """

    method: str
    optimal: bool
    balance_optimal: bool
    max_deviation: Mapping[Role, float]
    lower_bound: Mapping[Role, float]
    back_to_back: int
    uncovered: int
    seconds: float
    stages: tuple[Stage, ...] = ()

    @property
    def gap(self) -> float:
        return sum(
            max(0.0, self.max_deviation[role] - self.lower_bound.get(role, 0.0))
            for role in self.max_deviation
        )


@dataclass(frozen=True)
class Plan:
    assignments: list[Assignment]
    solve: Solve


def plan(
    team: Team,
    members: Iterable[Member],
    periods: Sequence[Period],
    time_off: Iterable[TimeOff] = (),
    history: Sequence[Assignment] = (),
    *,
    published: Sequence[Assignment] = (),
    budget: Budget | None = None,
) -> Plan:
    """Return one assignment per slot of each of `periods`, in period then slot order.

    `history` holds the assignments already fixed, before `periods` or inside them (the past,
    the frozen window, or everything a repair keeps): they stay as they are, and count towards
    the balance, the rest rule, the gaps and the pairing. `published` holds the plan of record
    for the free slots: the stability goal changes as few of them as it can. A slot with nobody
    eligible is an uncovered assignment (`member` None), never an error.
    """
    members, time_off = list(members), list(time_off)
    key = (
        team,
        tuple(members),
        tuple(periods),
        tuple(time_off),
        tuple(history),
        tuple(published),
        budget,
    )
    if key in _SOLVED:
        _SOLVED.move_to_end(key)
        found = _SOLVED[key]
        return Plan(list(found.assignments), found.solve)
    result = _plan(team, members, periods, time_off, history, published, budget)
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
) -> dict[Role, float]:
    """A proven lower bound, per role, on the largest |deviation per weight| any plan of the
    free slots of `periods` can reach over the fairness window, counting every member (those
    whose turns are all fixed at their fixed deviation). Empty when nothing is left to plan."""
    problem = _Problem(team, list(members), periods, list(time_off), history, ())
    if not problem.free or len(problem.choices) > MAX_VARIABLES:
        return {}
    seed = greedy(team, problem.members, periods, problem.time_off, history)
    solver = _Solver(problem, budget or Budget(seconds=1.0), seed)
    rest = solver._rest()
    if rest is None:
        return {}
    solver._fix_coverage()
    solver._bound(rest == 0)
    result: dict[Role, float] = {}
    for role in SLOTS:
        adjustable = set(problem.adjustable(role))
        fixed = [
            abs(problem.held[role].get(member, 0) - solver.shares[role].get(member, 0))
            * WEIGHT_SCALE
            / _weight(problem.weight[member])
            for member in problem.capacity[role]
            if member not in adjustable
        ]
        result[role] = max([solver.bounds.get(role, 0), *fixed]) / SCALE
    return result


#: Plans already solved, by their whole input: a reload of an unchanged team, or a second
#: replica, gets the same plan at once instead of solving again.
_SOLVED: OrderedDict[tuple[object, ...], Plan] = OrderedDict()
_REMEMBERED = 32


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
    budget: Budget | None,
) -> Plan:
    started = time.monotonic()
    problem = _Problem(team, members, periods, time_off, history, published)
    seed = greedy(team, problem.members, periods, problem.time_off, history)
    if not problem.free:
        return Plan(seed, problem.summary("fixed", seed, {}, (), started))
    if len(problem.choices) > MAX_VARIABLES:
        return Plan(seed, problem.summary("greedy", seed, {}, (), started))
    solver = _Solver(problem, budget or Budget(), seed)
    solution = solver.run()
    if solution is None:
        return Plan(seed, problem.summary("greedy", seed, {}, tuple(solver.stages), started))
    assignments = problem.assignments(solution)
    solved = problem.summary("cp-sat", assignments, solver.bounds, tuple(solver.stages), started)
    seeded = problem.summary("greedy", seed, solver.bounds, tuple(solver.stages), started)
    # A budget spent before the balance goal was reached can leave the solver's plan less fair
    # than its own seed: never answer worse than the greedy on the first two goals.
    if _rank(seeded) < _rank(solved):
        return Plan(seed, seeded)
    return Plan(assignments, solved)


def _rank(solve: Solve) -> tuple[int, int, float]:
    return (solve.uncovered, solve.back_to_back, round(sum(solve.max_deviation.values()), 6))


Slot = tuple[int, Role]
Choice = tuple[str, int, Role]


class _Problem:
    """The data of one solve: free slots, who may take them, loads, shares and history."""

    def __init__(
        self,
        team: Team,
        members: list[Member],
        periods: Sequence[Period],
        time_off: list[TimeOff],
        history: Sequence[Assignment],
        published: Sequence[Assignment],
    ) -> None:
        self.team = team
        self.members = members
        self.time_off = time_off
        self.periods = sorted(periods, key=lambda p: p.index)
        zone = team.policy.zone
        self.weight = {m.id: m.role_weight for m in members}
        self.fixed: dict[Slot, Assignment] = {(a.period.index, a.role): a for a in history}
        self.published = {(a.period.index, a.role): a.member for a in published}
        all_periods = {p.index: p for p in self.periods}
        for assignment in history:
            all_periods.setdefault(assignment.period.index, assignment.period)
        self.period_of = all_periods

        since = fairness_start(team)
        until = max((p.end for p in all_periods.values()), default=since)
        holidays = team_holidays(team, years_of(all_periods.values(), zone))
        # A period's load inside the fairness window, in hundredths.
        self.load: dict[int, int] = {
            index: round(SCALE * load(max(p.start, since), p.end, zone, holidays, team.weights))
            if p.end > since
            else 0
            for index, p in all_periods.items()
        }

        availability = Availability(members, time_off, zone)
        self.free: list[Slot] = []
        self.eligible: dict[Slot, list[str]] = {}
        for current in self.periods:
            taken = {
                a.member for r in SLOTS if (a := self.fixed.get((current.index, r))) and a.member
            }
            for role in SLOTS:
                slot = (current.index, role)
                if slot in self.fixed:
                    continue
                self.free.append(slot)
                self.eligible[slot] = [
                    m for m in availability.candidates(role, current) if m not in taken
                ]
        self.choices: list[Choice] = [
            (member, index, role)
            for (index, role) in self.free
            for member in self.eligible[index, role]
        ]
        self.capacity = {
            role: {
                m.id: m.role_weight * available_fraction(m, time_off, zone, since, until)
                for m in members
                if role in m.roles
            }
            for role in SLOTS
        }
        # Load already held, in the window, by each member in each role.
        self.held: dict[Role, dict[str, int]] = {role: defaultdict(int) for role in SLOTS}
        for (index, role), assignment in self.fixed.items():
            if assignment.member is not None:
                self.held[role][assignment.member] += self.load[index]

    def adjustable(self, role: Role) -> list[str]:
        """Members with at least one free slot of `role` they may take, by id."""
        return sorted({m for (index, r) in self.free if r == role for m in self.eligible[index, r]})

    def shares(self, role: Role, covered: set[Slot]) -> dict[str, int]:
        """Each member's fair share of the role's load, in hundredths, given the covered slots."""
        total = sum(load for load in self.held[role].values())
        total += sum(self.load[index] for (index, r) in covered if r == role)
        capacities = self.capacity[role]
        whole = sum(capacities.values())
        return {m: round(total * c / whole) if whole > 0 else 0 for m, c in capacities.items()}

    def spacing(self, role: Role, member: str) -> int:
        """A member's fair spacing between turns: the role's capacity over theirs, at least 2."""
        capacities = self.capacity[role]
        mine = capacities.get(member, 0.0)
        if mine <= 0:
            return 2
        return max(2, math.floor(sum(capacities.values()) / mine + 1e-9))

    def assignments(self, solution: Mapping[Slot, str | None]) -> list[Assignment]:
        result = []
        for current in self.periods:
            for role in SLOTS:
                slot = (current.index, role)
                if slot in self.fixed:
                    result.append(self.fixed[slot])
                else:
                    result.append(Assignment(role, current, solution.get(slot)))
        return result

    def summary(
        self,
        method: str,
        assignments: Sequence[Assignment],
        bounds: Mapping[Role, int],
        stages: tuple[Stage, ...],
        started: float,
    ) -> Solve:
        """Measure `assignments` on the goals, in the solver's own units."""
        holder = {(a.period.index, a.role): a.member for a in assignments}
        for slot, assignment in self.fixed.items():
            holder.setdefault(slot, assignment.member)
        uncovered = sum(1 for slot in self.free if holder.get(slot) is None)
        back_to_back = 0
        for (index, role), member in holder.items():
            if member is not None and holder.get((index + 1, role)) == member:
                back_to_back += 1
        covered = {slot for slot in self.free if holder.get(slot) is not None}
        deviation: dict[Role, float] = {}
        for role in SLOTS:
            loads = self.role_loads(role, holder)
            shares = self.shares(role, covered)
            worst = 0.0
            for member in self.adjustable(role):
                gap = abs(loads.get(member, 0) - shares.get(member, 0))
                worst = max(worst, gap / self.weight[member])
            deviation[role] = worst / SCALE
        lower = {role: bound / SCALE for role, bound in bounds.items()}
        balance_optimal = bool(bounds) and all(
            round(deviation[role] * SCALE) <= bounds.get(role, 0) for role in SLOTS
        )
        return Solve(
            method=method,
            optimal=bool(stages) and all(stage.optimal for stage in stages),
            balance_optimal=balance_optimal or method == "fixed",
            max_deviation=deviation,
            # With nothing left to choose the plan is its own bound; otherwise only proven ones.
            lower_bound=dict(deviation) if method == "fixed" else lower,
            back_to_back=back_to_back,
            uncovered=uncovered,
            seconds=time.monotonic() - started,
            stages=stages,
        )

    def role_loads(self, role: Role, holder: Mapping[Slot, str | None]) -> dict[str, int]:
        loads: dict[str, int] = defaultdict(int)
        for (index, r), member in holder.items():
            if r == role and member is not None:
                loads[member] += self.load[index]
        return loads


class _Solver:
    """Runs the goals one after the other on one CP-SAT model."""

    def __init__(self, problem: _Problem, budget: Budget, seed: Sequence[Assignment]) -> None:
        self.problem = problem
        self.budget = budget
        self.started = time.monotonic()
        self.spent = 0.0  # seconds of the budget used so far
        self.stages: list[Stage] = []
        self.bounds: dict[Role, int] = {}
        self.model = cp_model.CpModel()
        self.x: dict[Choice, cp_model.IntVar] = {
            choice: self.model.new_bool_var(f"x_{choice[0]}_{choice[1]}_{choice[2].value}")
            for choice in problem.choices
        }
        self.by_slot: dict[Slot, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self.by_member: dict[tuple[str, Role], dict[int, cp_model.IntVar]] = defaultdict(dict)
        for (member, index, role), var in self.x.items():
            self.by_slot[index, role].append((member, var))
            self.by_member[member, role][index] = var
        for current in problem.periods:
            by_person: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for role in SLOTS:
                for member, var in self.by_slot.get((current.index, role), ()):
                    by_person[member].append(var)
            for variables in by_person.values():
                if len(variables) > 1:
                    self.model.add_at_most_one(variables)
        for slot in problem.free:
            if self.by_slot.get(slot):
                self.model.add_at_most_one(var for _, var in self.by_slot[slot])
        self.values: dict[Choice, int] = {
            (a.member, a.period.index, a.role): 1
            for a in seed
            if a.member is not None and (a.member, a.period.index, a.role) in self.x
        }

    # -- running ------------------------------------------------------------------------------

    def run(self) -> dict[Slot, str | None] | None:
        rest = self._rest()
        if rest is None:
            return None
        back_to_back = rest
        self._fix_coverage()
        self._bound(back_to_back == 0)
        # Once the budget is spent, the goals not reached yet keep the incumbent as it is.
        if not self.exhausted and self._balance() and not self.exhausted:
            self._spread()
        # Regenerating a published plan, stability comes right after balance: a wider gap or
        # one more distinct pair is not worth moving people's turns (the top complaint about
        # on-call tools). Gaps and pairing then improve what the stable plan leaves free.
        regenerating = bool(self.problem.published)
        if regenerating and not self.exhausted:
            self._stability()
        if back_to_back == 0 and not self.exhausted:
            self._gaps()
        if not self.exhausted:
            self._pairing()
        if not regenerating and not self.exhausted:
            self._stability()
        holder: dict[Slot, str | None] = dict.fromkeys(self.problem.free)
        for (member, index, role), value in self.values.items():
            if value:
                holder[index, role] = member
        return holder

    @property
    def exhausted(self) -> bool:
        wall = time.monotonic() - self.started
        return self.spent >= self.budget.seconds or wall >= 2 * self.budget.seconds

    def _solve(self, name: str) -> cp_model.CpSolver | None:
        """Solve the model, hinted with the incumbent, within the goal's share of the budget.
        The solution found becomes the incumbent; None when there is none."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for choice, var in self.x.items():
            self.model.add_hint(var, self.values.get(choice, 0))
        solver, status = self._run(name, self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        self.values = {choice: int(solver.boolean_value(var)) for choice, var in self.x.items()}
        return solver

    def _run(
        self, name: str, model: cp_model.CpModel, label: str | None = None
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """Run CP-SAT on `model` within goal `name`'s part of the budget left and record the
        stage.

        With one worker the limits are in CP-SAT's deterministic time, so the same input gives
        the same plan on any machine. Several workers search faster but race each other: two
        runs may return different plans, equally good on every goal they proved.
        """
        done = {stage.name.partition(":")[0] for stage in self.stages}
        remaining = sum(share for stage, share in _SHARES.items() if stage not in done)
        share = _SHARES[name] / remaining if remaining else 1.0
        solver = cp_model.CpSolver()
        if self.budget.workers == 1:
            left = max(0.0, self.budget.seconds - self.spent)
            solver.parameters.max_deterministic_time = max(0.02, left * min(1.0, share))
            # A safety net: past twice the budget in real time, reproducibility gives way.
            wall = 2 * self.budget.seconds - (time.monotonic() - self.started)
            solver.parameters.max_time_in_seconds = max(0.05, wall)
        else:
            left = max(0.0, self.budget.seconds - (time.monotonic() - self.started))
            solver.parameters.max_time_in_seconds = max(0.02, left * min(1.0, share))
        solver.parameters.num_workers = self.budget.workers
        solver.parameters.random_seed = self.budget.seed
        began = time.monotonic()
        status = solver.solve(model)
        self.spent += (
            solver.response_proto.deterministic_time
            if self.budget.workers == 1
            else time.monotonic() - began
        )
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        self.stages.append(
            Stage(
                label or name,
                solver.objective_value if found else math.nan,
                solver.best_objective_bound if found else math.nan,
                status == cp_model.OPTIMAL,
                time.monotonic() - began,
            )
        )
        return solver, status

    # -- goal 1: cover, then rest --------------------------------------------------------------

    def _rest(self) -> int | None:
        """Cover every slot someone can take, then fewest back-to-back turns; return those."""
        problem = self.problem
        covered: list[cp_model.LinearExprT] = [
            var for slot in problem.free for _, var in self.by_slot.get(slot, ())
        ]
        open_slots = sum(1 for slot in problem.free if self.by_slot.get(slot))
        back_to_back = self._back_to_back_terms()
        weight = len(back_to_back) + 1
        objective = cp_model.LinearExpr.sum(back_to_back) + weight * (
            open_slots - cp_model.LinearExpr.sum(covered)
        )
        self.model.minimize(objective)
        seed = dict(self.values)
        solver = self._solve("rest")
        if solver is None:
            return None
        found = round(solver.objective_value)
        # The greedy balances load; when it is as good on this goal, it is the better start
        # for the next ones than whatever plan the solver stopped at.
        uncovered_seed, back_to_back_seed = self._rest_score(seed)
        if uncovered_seed * weight + back_to_back_seed <= found:
            self.values = seed
            found = uncovered_seed * weight + back_to_back_seed
        self.model.add(objective <= found)
        return found % weight

    def _rest_score(self, values: Mapping[Choice, int]) -> tuple[int, int]:
        """Goal 1 measured on `values`: uncovered slots, then back-to-back turns."""
        uncovered = sum(
            1
            for slot, choices in self.by_slot.items()
            if not any(values.get((member, *slot)) for member, _ in choices)
        )
        back_to_back = 0
        for (member, role), turns in self.by_member.items():
            for index in turns:
                if not values.get((member, index, role)):
                    continue
                if values.get((member, index - 1, role)) or self._holds_fixed(
                    member, role, index - 1
                ):
                    back_to_back += 1
                if index + 1 not in turns and self._holds_fixed(member, role, index + 1):
                    back_to_back += 1
        return uncovered, back_to_back

    def _back_to_back_terms(self) -> list[cp_model.LinearExprT]:
        """One term per member, role and two periods in a row with at least one free slot."""
        terms: list[cp_model.LinearExprT] = []
        for (member, role), turns in self.by_member.items():
            for index, var in turns.items():
                after = self._turn(member, role, index + 1)
                # Two free slots in a row are counted once, from the later one.
                neighbours = [self._turn(member, role, index - 1)]
                if not isinstance(after, cp_model.IntVar):
                    neighbours.append(after)
                for other in neighbours:
                    if isinstance(other, cp_model.IntVar):
                        both = self.model.new_bool_var("")
                        self.model.add(both >= var + other - 1)
                        terms.append(both)
                    elif other == 1:
                        terms.append(var)  # next to the member's own fixed turn
        return terms

    def _holds_fixed(self, member: str, role: Role, index: int) -> bool:
        fixed = self.problem.fixed.get((index, role))
        return fixed is not None and fixed.member == member

    def _turn(self, member: str, role: Role, index: int) -> cp_model.IntVar | int:
        """The member's turn of `role` in period `index`: a variable when free and open to
        them, 1 or 0 otherwise."""
        turns = self.by_member.get((member, role), {})
        if index in turns:
            return turns[index]
        return int(self._holds_fixed(member, role, index))

    # -- goal 2: balance, then spread ------------------------------------------------------------

    def _fix_coverage(self) -> None:
        """Keep the slots goal 1 covered covered and the others empty, so every later goal
        shares out the same total load."""
        self.covered: set[Slot] = set()
        for slot in self.problem.free:
            variables = [var for _, var in self.by_slot.get(slot, ())]
            if not variables:
                continue
            taken = any(self.values.get((m, *slot), 0) for m, _ in self.by_slot[slot])
            self.model.add(sum(variables) == int(taken))
            if taken:
                self.covered.add(slot)
        self.shares = {role: self.problem.shares(role, self.covered) for role in SLOTS}

    def _deviation(self, member: str, role: Role) -> cp_model.LinearExprT:
        """The member's load minus share in `role`, in hundredths."""
        problem = self.problem
        turns = self.by_member.get((member, role), {})
        free = sum(problem.load[index] * var for index, var in turns.items())
        return free + problem.held[role].get(member, 0) - self.shares[role].get(member, 0)

    def _bound(self, rested: bool) -> None:
        """Prove, per role, a lower bound on the largest |deviation per weight|, and find a
        plan that meets it when one exists.

        The relaxation (`_Relaxation`) chooses, per member, how many free periods of each
        common load they take and which of the rare, heavier periods. A choice no plan can
        realise is cut off and the relaxation solved again; the bound stays valid, since every
        plan realises some choice.
        """
        self.targets: dict[Role, cp_model.IntVar] = {}
        for role in SLOTS:
            members = self.problem.adjustable(role)
            if not members:
                continue
            relaxation = _Relaxation(self, role, members, rested)
            for _ in range(MAX_CUTS):
                if self.exhausted:
                    break
                solver, status = self._run("bound", relaxation.model, f"bound:{role.value}")
                found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                bound = max(0, math.ceil(solver.best_objective_bound - 1e-9)) if found else 0
                self.bounds[role] = max(self.bounds.get(role, 0), bound)
                if status != cp_model.OPTIMAL:
                    break
                target = self._realise(role, relaxation.choice(solver))
                if target is not None:
                    self.targets[role] = target
                    break
                relaxation.exclude(solver)

    def _realise(self, role: Role, choice: _Choice) -> cp_model.IntVar | None:
        """Look for a plan in which every member takes what `choice` gives them in `role`.
        Return the literal that enforces it when one exists (the plan becomes the incumbent)."""
        problem = self.problem
        realised = self.model.new_bool_var(f"realised_{role.value}")
        for member, periods in choice.rare.items():
            turns = self.by_member[member, role]
            for index in periods:
                self.model.add(turns[index] == 1).only_enforce_if(realised)
        for member, by_size in choice.common.items():
            turns = self.by_member.get((member, role), {})
            for size, count in by_size.items():
                taken = [
                    var
                    for index, var in turns.items()
                    if problem.load[index] == size and (index, role) in self.covered
                ]
                self.model.add(sum(taken) == count).only_enforce_if(realised)
        self.model.maximize(realised)
        incumbent = self.values
        solver = self._solve("bound")
        if solver is not None and solver.boolean_value(realised):
            return realised
        self.values = incumbent  # the plan found instead need not be balanced at all
        self.model.add(realised == 0)
        return None

    def _open_slots(self, member: str, role: Role, rested: bool) -> list[int]:
        """Covered free periods of `role` the member may take; when no back-to-back turn is
        allowed, not those next to one of their fixed turns of the role."""
        result = []
        for index in sorted(self.by_member.get((member, role), {})):
            if (index, role) not in self.covered:
                continue
            if rested and any(
                (fixed := self.problem.fixed.get((near, role))) and fixed.member == member
                for near in (index - 1, index + 1)
            ):
                continue
            result.append(index)
        return result

    def _balance(self) -> bool:
        self.worst: dict[Role, cp_model.IntVar] = {}
        for role in SLOTS:
            members = self.problem.adjustable(role)
            if not members:
                continue
            worst = self.model.new_int_var(
                self.bounds.get(role, 0), _big(self.problem), f"worst_{role.value}"
            )
            for member in members:
                deviation = self._deviation(member, role)
                weight = _weight(self.problem.weight[member])
                self.model.add(WEIGHT_SCALE * deviation <= worst * weight)
                self.model.add(-WEIGHT_SCALE * deviation <= worst * weight)
            self.worst[role] = worst
        if not self.worst:
            return False
        # Ask first for the plans the relaxation found for each role, together: when they
        # hold, each role's balance meets its proven bound.
        best = self.values
        if self.targets:
            self.model.maximize(sum(self.targets.values()))
            solver = self._solve("balance")
            for target in self.targets.values():
                met = solver is not None and solver.boolean_value(target)
                self.model.add(target == int(met))
            best = self._better_balanced(best, self.values)
        if any(self._worst(best)[role] > self.bounds.get(role, 0) for role in self.worst):
            self.values = best
            self.model.minimize(sum(self.worst.values()))
            self._solve("balance")
            best = self._better_balanced(best, self.values)
        # A search cut short may return a plan worse than the one it was handed: keep the best.
        self.values = best
        for role, reached in self._worst(best).items():
            self.model.add(self.worst[role] <= reached)
        return True

    def _better_balanced(
        self, first: dict[Choice, int], second: dict[Choice, int]
    ) -> dict[Choice, int]:
        return (
            second
            if sum(self._worst(second).values()) <= sum(self._worst(first).values())
            else first
        )

    def _worst(self, values: Mapping[Choice, int]) -> dict[Role, int]:
        """Each role's largest |deviation per weight| under `values`, in the solver's units."""
        problem = self.problem
        result: dict[Role, int] = {}
        for role in self.worst:
            worst = 0
            for member in problem.adjustable(role):
                turns = self.by_member.get((member, role), {})
                load = sum(problem.load[i] for i in turns if values.get((member, i, role)))
                deviation = (
                    load + problem.held[role].get(member, 0) - self.shares[role].get(member, 0)
                )
                weight = _weight(problem.weight[member])
                worst = max(worst, -(-WEIGHT_SCALE * abs(deviation) // weight))
            result[role] = worst
        return result

    def _spread(self) -> None:
        spreads = []
        for role in self.worst:
            big = _big(self.problem)
            high = self.model.new_int_var(-big, big, "")
            low = self.model.new_int_var(-big, big, "")
            for member in self.problem.adjustable(role):
                deviation = self._deviation(member, role)
                weight = _weight(self.problem.weight[member])
                self.model.add(WEIGHT_SCALE * deviation <= high * weight)
                self.model.add(WEIGHT_SCALE * deviation >= low * weight)
            spreads.append(high - low)
        objective = sum(spreads)
        self.model.minimize(objective)
        solver = self._solve("spread")
        if solver is not None:
            self.model.add(objective <= round(solver.objective_value))

    # -- goal 3: gaps ------------------------------------------------------------------------

    def _gaps(self) -> None:
        """Raise G, the least distance between two turns of a member (capped by each member's
        fair spacing), by bisection: each step asks for G or better."""
        targets = {
            (member, role): self.problem.spacing(role, member) for (member, role) in self.by_member
        }
        if not targets:
            return
        low = self._achieved_gap(targets)
        high = max(targets.values()) + 1
        while high - low > 1 and not self.exhausted:
            wanted = (low + high) // 2
            attempt = self.model.new_bool_var(f"gap_{wanted}")
            for (member, role), target in targets.items():
                self._space_turns(member, role, min(wanted, target), attempt)
            self.model.maximize(attempt)
            solver = self._solve("gaps")
            if solver is not None and solver.boolean_value(attempt):
                self.model.add(attempt == 1)
                low = max(wanted, self._achieved_gap(targets))
            else:
                self.model.add(attempt == 0)
                high = wanted

    def _space_turns(
        self, member: str, role: Role, distance: int, enforce: cp_model.IntVar
    ) -> None:
        """At most one turn in any `distance` periods in a row, counting fixed turns (when fixed
        turns alone break that, they are let be)."""
        turns = self.by_member[member, role]
        if distance < 2 or not turns:
            return
        first, last = min(turns), max(turns)
        for start in range(first - distance + 1, last + 1):
            window = range(start, start + distance)
            free = [turns[i] for i in window if i in turns]
            if not free:
                continue
            fixed = sum(1 for i in window if self._holds_fixed(member, role, i))
            if fixed + len(free) <= 1:
                continue
            self.model.add(sum(free) + fixed <= max(1, fixed)).only_enforce_if(enforce)

    def _achieved_gap(self, targets: Mapping[tuple[str, Role], int]) -> int:
        """The G the incumbent reaches: the least distance between two turns of a member that
        is shorter than their fair spacing, where at least one of the two is free."""
        achieved = max(targets.values())
        for (member, role), target in targets.items():
            free = {
                i
                for i, _ in self.by_member[member, role].items()
                if self.values.get((member, i, role))
            }
            if not free:
                continue
            fixed = {
                index
                for (index, r), a in self.problem.fixed.items()
                if r == role and a.member == member
            }
            turns = sorted(free | fixed)
            for before, after in itertools.pairwise(turns):
                if before in free or after in free:
                    distance = after - before
                    if distance < target:
                        achieved = min(achieved, distance)
        return achieved

    # -- goal 4: pairing -----------------------------------------------------------------------

    def _pairing(self) -> None:
        """Fewest meetings of the most repeated developer-operator pair, then most distinct
        pairs, counted over the fairness window with the fixed periods."""
        problem = self.problem
        meetings: dict[tuple[str, str], list[cp_model.LinearExprT]] = defaultdict(list)
        pair_variables = 0
        for current in problem.periods:
            index = current.index
            developers = self._holders(index, Role.DEVELOPER)
            operators = self._holders(index, Role.OPERATOR)
            pair_variables += len(developers) * len(operators)
            if pair_variables > MAX_PAIR_VARIABLES:
                return
            for developer, dev_turn in developers:
                for operator, op_turn in operators:
                    if developer == operator:
                        continue
                    meetings[developer, operator].append(self._both(dev_turn, op_turn))
        planned = {p.index for p in problem.periods}
        for (index, role), assignment in problem.fixed.items():
            if role is not Role.DEVELOPER or index in planned:
                continue
            partner = problem.fixed.get((index, Role.OPERATOR))
            if assignment.member and partner and partner.member and problem.load[index] > 0:
                meetings[assignment.member, partner.member].append(1)
        if not meetings:
            return
        most = self.model.new_int_var(0, len(problem.period_of), "most_repeated")
        distinct = []
        for terms in meetings.values():
            count = sum(terms)
            self.model.add(count <= most)
            met = self.model.new_bool_var("")
            self.model.add(met <= count)
            distinct.append(met)
        objective = most * (len(distinct) + 1) - sum(distinct)
        self.model.minimize(objective)
        solver = self._solve("pairing")
        if solver is not None:
            self.model.add(objective <= round(solver.objective_value))

    def _holders(self, index: int, role: Role) -> list[tuple[str, cp_model.IntVar | int]]:
        fixed = self.problem.fixed.get((index, role))
        if fixed is not None:
            return [(fixed.member, 1)] if fixed.member else []
        return [
            (m, var)
            for m, var in self.by_slot.get((index, role), ())
            if (index, role) in self.covered
        ]

    def _both(
        self, first: cp_model.IntVar | int, second: cp_model.IntVar | int
    ) -> cp_model.LinearExprT:
        if isinstance(first, int):
            return second if first else 0
        if isinstance(second, int):
            return first if second else 0
        both = self.model.new_bool_var("")
        self.model.add(both >= first + second - 1)
        self.model.add(both <= first)
        self.model.add(both <= second)
        return both

    # -- goal 5: stability -------------------------------------------------------------------

    def _stability(self) -> None:
        kept = []
        for slot, member in self.problem.published.items():
            if member is None or slot in self.problem.fixed:
                continue
            var = self.by_member.get((member, slot[1]), {}).get(slot[0])
            if var is not None:
                kept.append(var)
        if not kept:
            return
        objective = sum(kept)
        self.model.maximize(objective)
        solver = self._solve("stability")
        if solver is not None:
            self.model.add(objective >= round(solver.objective_value))


@dataclass
class _Choice:
    """What the balance relaxation gives each member: rare periods, and counts by load."""

    rare: dict[str, list[int]]
    common: dict[str, dict[int, int]]


class _Relaxation:
    """The aggregated balance model of one role (see `_Solver._bound`)."""

    def __init__(self, owner: _Solver, role: Role, members: list[str], rested: bool) -> None:
        problem = owner.problem
        self.model = cp_model.CpModel()
        slots = sorted(index for index, r in owner.covered if r == role)
        by_size: dict[int, list[int]] = defaultdict(list)
        for index in slots:
            by_size[problem.load[index]].append(index)
        common = {size for size, indices in by_size.items() if len(indices) >= COMMON}
        self.rare: dict[tuple[str, int], cp_model.IntVar] = {}
        self.counts: dict[tuple[str, int], cp_model.IntVar] = {}
        takers: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        worst = self.model.new_int_var(0, _big(problem), "worst")
        # Members alike in every respect are interchangeable: ordering their loads removes
        # the symmetric copies of every answer, which is what makes larger teams fast.
        alike: dict[tuple[object, ...], list[cp_model.LinearExprT]] = defaultdict(list)
        for member in members:
            open_to = owner._open_slots(member, role, rested)
            per_size: dict[int, int] = defaultdict(int)
            load: list[cp_model.LinearExprT] = []
            for index in open_to:
                size = problem.load[index]
                if size in common:
                    per_size[size] += 1
                else:
                    var = self.model.new_bool_var("")
                    self.rare[member, index] = var
                    takers[index].append(var)
                    load.append(size * var)
                    if rested and (member, index - 1) in self.rare:
                        self.model.add(var + self.rare[member, index - 1] <= 1)
            for size, n in per_size.items():
                count = self.model.new_int_var(0, n, "")
                self.counts[member, size] = count
                load.append(size * count)
            turns = [v for (m, _), v in [*self.rare.items(), *self.counts.items()] if m == member]
            # The number of turns, with the load it must lie between, lets the solver reason by
            # counting (someone must take one more turn than the others) instead of by loads.
            most = _most_apart(open_to) if rested else len(open_to)
            count = self.model.new_int_var(0, most, "")
            self.model.add(count == sum(turns))
            if open_to:
                sizes = [problem.load[index] for index in open_to]
                self.model.add(sum(load) >= min(sizes) * count)
                self.model.add(sum(load) <= max(sizes) * count)
            deviation = (
                sum(load) + problem.held[role].get(member, 0) - owner.shares[role].get(member, 0)
            )
            weight = _weight(problem.weight[member])
            self.model.add(WEIGHT_SCALE * deviation <= worst * weight)
            self.model.add(-WEIGHT_SCALE * deviation <= worst * weight)
            key = (
                weight,
                tuple(open_to),
                problem.held[role].get(member, 0),
                owner.shares[role].get(member, 0),
            )
            alike[key].append(sum(load))
        for group in alike.values():
            for heavier, lighter in itertools.pairwise(group):
                self.model.add(heavier >= lighter)
        for index in slots:
            if problem.load[index] not in common:
                self.model.add(sum(takers[index]) == 1)
        for size in common:
            self.model.add(
                sum(var for (_, s), var in self.counts.items() if s == size) == len(by_size[size])
            )
        self.model.minimize(worst)

    def choice(self, solver: cp_model.CpSolver) -> _Choice:
        rare: dict[str, list[int]] = defaultdict(list)
        for (member, index), var in self.rare.items():
            if solver.boolean_value(var):
                rare[member].append(index)
        common: dict[str, dict[int, int]] = defaultdict(dict)
        for (member, size), var in self.counts.items():
            common[member][size] = solver.value(var)
        return _Choice(dict(rare), dict(common))

    def exclude(self, solver: cp_model.CpSolver) -> None:
        """Cut off the relaxation's current answer."""
        agree: list[cp_model.LinearExprT] = []
        for var in self.rare.values():
            agree.append(var if solver.boolean_value(var) else 1 - var)
        for var in self.counts.values():
            same = self.model.new_bool_var("")
            value = solver.value(var)
            self.model.add(var == value).only_enforce_if(same)
            self.model.add(var != value).only_enforce_if(~same)
            agree.append(same)
        self.model.add(sum(agree) <= len(agree) - 1)


def _weight(weight: float) -> int:
    return max(1, round(weight * WEIGHT_SCALE))


def _big(problem: _Problem) -> int:
    """A bound on any deviation per weight, in the solver's units."""
    total = sum(problem.load.values()) + 1
    least = min((_weight(w) for w in problem.weight.values()), default=WEIGHT_SCALE)
    return total * WEIGHT_SCALE // least + 1


def _most_apart(indices: Sequence[int]) -> int:
    """How many of `indices` (sorted) can be taken with no two in a row."""
    most, run, previous = 0, 0, None
    for index in indices:
        run = run + 1 if previous is not None and index == previous + 1 else 1
        if run == 1 or run % 2 == 1:
            most += 1
        previous = index
    return most
