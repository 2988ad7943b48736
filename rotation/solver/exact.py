"""The bound on goal 2 for a small role that cannot avoid back-to-back turns, or whose aggregated
relaxation cannot see how the rest rule shapes it (two operators who must alternate): the role's
whole balance model (every covered free period, who takes it, at most as many back-to-back turns as
goal 1 left), solved by CP-SAT. It relaxes only what ties the roles together (nobody holds two
slots of a period; the back-to-back count shared by both roles), so its optimum is a proven
bound that sees the rest rule, and its plan is a strong start for the balance goal."""

from __future__ import annotations

from ortools.sat.python import cp_model

from rotation.model import Role
from rotation.solver.problem import WEIGHT_SCALE, Choice, big, scaled_weight
from rotation.solver.rest import rest_score
from rotation.solver.search import Search
from rotation.solver.slices import settle

#: Up to this many members a role is bounded by its whole model, beyond by the relaxation.
EXACT_MEMBERS = 12


def exact_bound(search: Search, role: Role, members: list[str], back_to_back: int) -> None:
    """Prove a bound on the role's largest |deviation per weight| among plans with at most
    `back_to_back` back-to-back turns, and hand the plan found to the balance goal."""
    problem = search.problem
    model = cp_model.CpModel()
    slots = sorted(index for index, r in search.covered if r == role)
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    for member in members:
        for index in search.open_slots(member, role, rested=False):
            x[member, index] = model.new_bool_var("")
    for index in slots:
        takers = [x[m, index] for m in members if (m, index) in x]
        if takers:
            model.add_exactly_one(takers)
    repeats: list[cp_model.LinearExprT] = []
    for (member, index), var in x.items():
        after = x.get((member, index + 1))
        if after is not None:
            if back_to_back == 0:
                model.add(var + after <= 1)  # plain clauses: what makes a rested role fast
                continue
            both = model.new_bool_var("")
            model.add(both >= var + after - 1)
            repeats.append(both)
        elif search.holds_fixed(member, role, index + 1):
            repeats.append(var)
        if (member, index - 1) not in x and search.holds_fixed(member, role, index - 1):
            repeats.append(var)
    model.add(sum(repeats) <= back_to_back)
    worst = model.new_int_var(search.bounds.get(role, 0), big(problem), "worst")
    for member in members:
        load = sum(problem.load[i] * var for (m, i), var in x.items() if m == member)
        deviation = load + problem.held[role].get(member, 0) - search.shares[role].get(member, 0)
        weight = scaled_weight(problem.weight[member])
        model.add(WEIGHT_SCALE * deviation <= worst * weight)
        model.add(-WEIGHT_SCALE * deviation <= worst * weight)
    model.minimize(worst)
    hint = {var: search.values.get((member, index, role), 0) for (member, index), var in x.items()}
    label = f"bound:{role.value}"
    floor = search.bounds.get(role, 0)
    settled = settle(search.spending, "bound", label, model, worst, floor, hint)
    if settled is None:
        return
    search.bounds[role] = max(floor, settled.proven)
    chosen: dict[Choice, int] = {
        choice: value for choice, value in search.values.items() if choice[2] is not role
    }
    for (member, index), var in x.items():
        if settled.solver.boolean_value(var):
            chosen[member, index, role] = 1
    # The plan becomes the incumbent when the other role leaves it whole: nobody in two slots
    # of a period, no more uncovered slots or back-to-back turns in all than goal 1 allows.
    periods = [(member, index) for (member, index, _), value in chosen.items() if value]
    if len(periods) == len(set(periods)) and rest_score(search, chosen) <= rest_score(
        search, search.values
    ):
        search.values = chosen
