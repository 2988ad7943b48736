"""Goal 2, balance: the smallest largest |deviation per weight| in each role, among the members
the plan can still change, starting from the relaxation's targets (`rotation.solver.bound`)."""

from __future__ import annotations

from collections.abc import Mapping

from rotation.model import SLOTS, Role
from rotation.solver.problem import WEIGHT_SCALE, Choice, big, scaled_weight
from rotation.solver.search import Search


def balance(search: Search, slack: Mapping[Role, int] | None = None) -> bool:
    """Reach the best balance the budget allows and keep it as a constraint, give or take
    `slack` per role (in the solver's units); False when no role has anyone to balance.
    The best balance reached is kept in `search.best_worst`."""
    search.worst = {}
    for role in SLOTS:
        members = search.problem.adjustable(role)
        if not members:
            continue
        worst = search.model.new_int_var(
            search.bounds.get(role, 0), big(search.problem), f"worst_{role.value}"
        )
        for member in members:
            deviation = search.deviation(member, role)
            weight = scaled_weight(search.problem.weight[member])
            search.model.add(WEIGHT_SCALE * deviation <= worst * weight)
            search.model.add(-WEIGHT_SCALE * deviation <= worst * weight)
        search.worst[role] = worst
    if not search.worst:
        return False
    # Ask first for the plans the relaxation found for each role, together: when they
    # hold, each role's balance meets its proven bound.
    best = search.values
    if search.targets:
        search.model.maximize(sum(search.targets.values()))
        solver = search.solve("balance")
        for target in search.targets.values():
            met = solver is not None and solver.boolean_value(target)
            # A target pins each member's heavy periods: a regeneration leaves them free, so
            # that the published plan can be kept within the tolerance.
            if not slack or not met:
                search.model.add(target == int(met))
        best = _better_balanced(search, best, search.values)
    if any(worst_of(search, best)[role] > search.bounds.get(role, 0) for role in search.worst):
        search.values = best
        search.model.minimize(sum(search.worst.values()))
        search.solve("balance")
        best = _better_balanced(search, best, search.values)
    # A search cut short may return a plan worse than the one it was handed: keep the best.
    search.values = best
    search.best_worst = worst_of(search, best)
    for role, reached in search.best_worst.items():
        search.model.add(search.worst[role] <= reached + (slack or {}).get(role, 0))
    return True


def rebalance(search: Search) -> None:
    """Within what the goals before allow (the published plan kept), the best balance again,
    kept as a constraint."""
    objective = sum(search.worst.values())
    search.model.minimize(objective)
    before = search.values
    search.solve("stability")
    search.values = _better_balanced(search, before, search.values)
    for role, reached in worst_of(search, search.values).items():
        search.model.add(search.worst[role] <= reached)


def _better_balanced(
    search: Search, first: dict[Choice, int], second: dict[Choice, int]
) -> dict[Choice, int]:
    return (
        second
        if sum(worst_of(search, second).values()) <= sum(worst_of(search, first).values())
        else first
    )


def worst_of(search: Search, values: Mapping[Choice, int]) -> dict[Role, int]:
    """Each role's largest |deviation per weight| under `values`, in the solver's units."""
    problem = search.problem
    result: dict[Role, int] = {}
    for role in search.worst:
        worst = 0
        for member in problem.adjustable(role):
            turns = search.by_member.get((member, role), {})
            load = sum(problem.load[i] for i in turns if values.get((member, i, role)))
            deviation = (
                load + problem.held[role].get(member, 0) - search.shares[role].get(member, 0)
            )
            weight = scaled_weight(problem.weight[member])
            worst = max(worst, -(-WEIGHT_SCALE * abs(deviation) // weight))
        result[role] = worst
    return result
