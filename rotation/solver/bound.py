"""The bound on goal 2: an aggregated relaxation of each role's balance (per member, how many
free periods of each load they take, no more back-to-back turns than the role may have), solved
by CP-SAT before the balance goal, then a small role's whole model (`exact`). Reaching the bound
proves the balance optimal; the plan it suggests, when one realises it, becomes the balance
goal's target."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rotation.model import SLOTS, Role
from rotation.solver.exact import EXACT_MEMBERS, exact_bound
from rotation.solver.problem import WEIGHT_SCALE, big, scaled_weight
from rotation.solver.rest import most_apart
from rotation.solver.search import Search
from rotation.solver.slices import settle

#: How many times the balance relaxation is cut and solved again before the solver closes the
#: remaining gap from above.
MAX_CUTS = 2
#: Up to this many members a role goes from the relaxation's bound straight to its whole model
#: (`exact_bound`): looking for a plan that realises the relaxation's choice costs more there.
FEW = 4
#: A load shared by at least this many free periods of a role is counted, not placed, by the
#: balance relaxation.
COMMON = 6


def bound(search: Search, allowed: Mapping[Role, int]) -> None:
    """Prove, per role, a lower bound on the largest |deviation per weight| among the plans
    with at most `allowed` back-to-back turns in that role, and find a plan that meets it when
    one exists.

    The relaxation (`Relaxation`) chooses, per member, how many free periods of each
    common load they take and which of the rare, heavier periods. A choice no plan can
    realise is cut off and the relaxation solved again; the bound stays valid, since every
    plan realises some choice. A role of up to `EXACT_MEMBERS` whose bound no plan was found
    to meet gets its whole model (`exact_bound`).
    """
    search.targets = {}
    for role in SLOTS:
        members = search.problem.adjustable(role)
        if not members:
            continue
        relaxation = Relaxation(search, role, members, allowed[role])
        small = len(members) <= EXACT_MEMBERS
        label = f"bound:{role.value}"
        for _ in range(MAX_CUTS):
            if search.exhausted:
                break
            floor = search.bounds.get(role, 0)
            settled = settle(
                search.spending, "bound", label, relaxation.model, relaxation.worst, floor, {}
            )
            if settled is None:
                break
            search.bounds[role] = max(floor, settled.proven)
            if not settled.optimal or len(members) <= FEW:
                break
            target = _realise(search, role, relaxation.choice(settled.solver))
            if target is not None:
                search.targets[role] = target
                break
            relaxation.exclude(settled.solver)
        if small and role not in search.targets and not search.exhausted:
            # A small role gets its whole model, which sees the rest rule exactly, starting
            # from the relaxation's bound: it proves a bound that a plan reaches, and that plan.
            exact_bound(search, role, members, allowed[role])


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

    def __init__(self, owner: Search, role: Role, members: list[str], allowed: int) -> None:
        problem = owner.problem
        self.model = cp_model.CpModel()
        slots = sorted(index for index, r in owner.covered if r == role)
        by_size: dict[int, list[int]] = defaultdict(list)
        for index in slots:
            by_size[problem.load[index]].append(index)
        common = {size for size, indices in by_size.items() if len(indices) >= COMMON}
        # In a small role, a period not everyone may take is placed too: its few takers are
        # where the rest rule bites (one developer left for two weeks in a row).
        small = len(members) <= EXACT_MEMBERS
        placed = {
            index
            for index in slots
            if problem.load[index] not in common
            or (small and len(owner.by_slot[index, role]) < len(members))
        }
        counted: dict[int, int] = defaultdict(int)
        for index in slots:
            if index not in placed:
                counted[problem.load[index]] += 1
        self.rare: dict[tuple[str, int], cp_model.IntVar] = {}
        self.counts: dict[tuple[str, int], cp_model.IntVar] = {}
        takers: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        worst = self.worst = self.model.new_int_var(0, big(problem), "worst")
        # Members alike in every respect are interchangeable: ordering their loads removes
        # the symmetric copies of every answer, which is what makes larger teams fast.
        alike: dict[tuple[object, ...], list[cp_model.LinearExprT]] = defaultdict(list)
        # The rest rule as the relaxation sees it: at most `allowed` back-to-back turns among
        # the rare periods and next to one's own fixed turns (the common ones are only counted).
        rested = allowed == 0
        repeats: list[cp_model.LinearExprT] = []
        for member in members:
            open_to = owner.open_slots(member, role, rested)
            per_size: dict[int, int] = defaultdict(int)
            load: list[cp_model.LinearExprT] = []
            for index in open_to:
                size = problem.load[index]
                if index not in placed:
                    per_size[size] += 1
                else:
                    var = self.model.new_bool_var("")
                    self.rare[member, index] = var
                    takers[index].append(var)
                    load.append(size * var)
                    before = self.rare.get((member, index - 1))
                    if rested and before is not None:
                        self.model.add(var + before <= 1)
                    elif before is not None:
                        both = self.model.new_bool_var("")
                        self.model.add(both >= var + before - 1)
                        repeats.append(both)
                    if not rested and any(
                        owner.holds_fixed(member, role, near) for near in (index - 1, index + 1)
                    ):
                        repeats.append(var)
            for size, n in per_size.items():
                count = self.model.new_int_var(0, n, "")
                self.counts[member, size] = count
                load.append(size * count)
            turns = [v for (m, _), v in [*self.rare.items(), *self.counts.items()] if m == member]
            # The number of turns, with the load it must lie between, lets the solver reason by
            # counting (someone must take one more turn than the others) instead of by loads.
            # Each back-to-back turn allows one turn more than no two in a row would.
            most = min(len(open_to), most_apart(open_to) + allowed)
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
        if repeats:
            self.model.add(sum(repeats) <= allowed)
        for index in slots:
            if index in placed:
                self.model.add(sum(takers[index]) == 1)
        for size, n in counted.items():
            self.model.add(sum(var for (_, s), var in self.counts.items() if s == size) == n)
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
