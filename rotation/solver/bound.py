"""The bound on goal 2: an aggregated relaxation of each role's balance (per member, how many
free periods of each load they take, at most one of two in a row), solved by CP-SAT before the
balance goal. Reaching it proves the balance optimal; the plan it suggests, when one realises
it, becomes the balance goal's target."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rotation.model import SLOTS, Role
from rotation.solver.exact import EXACT_MEMBERS, exact_bound
from rotation.solver.problem import WEIGHT_SCALE, big, scaled_weight
from rotation.solver.rest import most_apart
from rotation.solver.search import Search

#: How many times the balance relaxation is cut and solved again before the solver closes the
#: remaining gap from above.
MAX_CUTS = 2
#: A load shared by at least this many free periods of a role is counted, not placed, by the
#: balance relaxation.
COMMON = 6


def bound(search: Search, back_to_back: int) -> None:
    """Prove, per role, a lower bound on the largest |deviation per weight|, and find a
    plan that meets it when one exists.

    The relaxation (`Relaxation`) chooses, per member, how many free periods of each
    common load they take and which of the rare, heavier periods. A choice no plan can
    realise is cut off and the relaxation solved again; the bound stays valid, since every
    plan realises some choice.
    """
    search.targets = {}
    rested = back_to_back == 0
    for role in SLOTS:
        members = search.problem.adjustable(role)
        if not members:
            continue
        if not rested and len(members) <= EXACT_MEMBERS:
            # The relaxation knows no rest rule but "none at all": a small role gets its
            # whole model instead, which counts the back-to-back turns goal 1 left.
            exact_bound(search, role, members, back_to_back)
            continue
        relaxation = Relaxation(search, role, members, rested)
        for _ in range(MAX_CUTS):
            if search.exhausted:
                break
            solver, status = search.run("bound", relaxation.model, f"bound:{role.value}")
            found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            proven = max(0, math.ceil(solver.best_objective_bound - 1e-9)) if found else 0
            search.bounds[role] = max(search.bounds.get(role, 0), proven)
            if status != cp_model.OPTIMAL:
                break
            target = _realise(search, role, relaxation.choice(solver))
            if target is not None:
                search.targets[role] = target
                break
            relaxation.exclude(solver)


def _realise(search: Search, role: Role, choice: RelaxedChoice) -> cp_model.IntVar | None:
    """Look for a plan in which every member takes what `choice` gives them in `role`.
    Return the literal that enforces it when one exists (the plan becomes the incumbent)."""
    problem = search.problem
    realised = search.model.new_bool_var(f"realised_{role.value}")
    for member, periods in choice.rare.items():
        turns = search.by_member[member, role]
        for index in periods:
            search.model.add(turns[index] == 1).only_enforce_if(realised)
    for member, by_size in choice.common.items():
        turns = search.by_member.get((member, role), {})
        for size, count in by_size.items():
            taken = [
                var
                for index, var in turns.items()
                if problem.load[index] == size and (index, role) in search.covered
            ]
            search.model.add(sum(taken) == count).only_enforce_if(realised)
    search.model.maximize(realised)
    incumbent = search.values
    solver = search.solve("bound")
    if solver is not None and solver.boolean_value(realised):
        return realised
    search.values = incumbent  # the plan found instead need not be balanced at all
    search.model.add(realised == 0)
    return None


@dataclass
class RelaxedChoice:
    """What the balance relaxation gives each member: rare periods, and counts by load."""

    rare: dict[str, list[int]]
    common: dict[str, dict[int, int]]


class Relaxation:
    """The aggregated balance model of one role (see `bound`)."""

    def __init__(self, owner: Search, role: Role, members: list[str], rested: bool) -> None:
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
        worst = self.model.new_int_var(0, big(problem), "worst")
        # Members alike in every respect are interchangeable: ordering their loads removes
        # the symmetric copies of every answer, which is what makes larger teams fast.
        alike: dict[tuple[object, ...], list[cp_model.LinearExprT]] = defaultdict(list)
        for member in members:
            open_to = owner.open_slots(member, role, rested)
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
            most = most_apart(open_to) if rested else len(open_to)
            count = self.model.new_int_var(0, most, "")
            self.model.add(count == sum(turns))
            if open_to:
                sizes = [problem.load[index] for index in open_to]
                self.model.add(sum(load) >= min(sizes) * count)
                self.model.add(sum(load) <= max(sizes) * count)
            deviation = (
                sum(load) + problem.held[role].get(member, 0) - owner.shares[role].get(member, 0)
            )
            weight = scaled_weight(problem.weight[member])
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

    def choice(self, solver: cp_model.CpSolver) -> RelaxedChoice:
        rare: dict[str, list[int]] = defaultdict(list)
        for (member, index), var in self.rare.items():
            if solver.boolean_value(var):
                rare[member].append(index)
        common: dict[str, dict[int, int]] = defaultdict(dict)
        for (member, size), var in self.counts.items():
            common[member][size] = solver.value(var)
        return RelaxedChoice(dict(rare), dict(common))

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
