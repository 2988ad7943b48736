"""Goal 2, second part: with the balance kept, the smallest spread (largest minus smallest
deviation per weight) in each role."""

from __future__ import annotations

from rotation.solver.problem import WEIGHT_SCALE, big, scaled_weight
from rotation.solver.search import Search


def spread(search: Search) -> None:
    spreads = []
    for role in search.worst:
        bound = big(search.problem)
        high = search.model.new_int_var(-bound, bound, "")
        low = search.model.new_int_var(-bound, bound, "")
        for member in search.problem.adjustable(role):
            deviation = search.deviation(member, role)
            weight = scaled_weight(search.problem.weight[member])
            search.model.add(WEIGHT_SCALE * deviation <= high * weight)
            search.model.add(WEIGHT_SCALE * deviation >= low * weight)
        spreads.append(high - low)
    objective = sum(spreads)
    search.model.minimize(objective)
    solver = search.solve("spread")
    if solver is not None:
        search.model.add(objective <= round(solver.objective_value))
