"""Goal 5, stability: the fewest changes against the published plan (the slots it keeps).

When a published plan is regenerated this goal runs right after balance, which then holds only
within the team's `stability_tolerance` of the best balance reached (`tolerance`); the balance
is then made as good as keeping those slots allows, and what that costs is reported."""

from __future__ import annotations

from rotation.model import SLOTS, Role
from rotation.solver.problem import Choice
from rotation.solver.search import Search


def tolerance(search: Search) -> dict[Role, int]:
    """Per role, the team's stability tolerance in the solver's units: that many periods of
    the role's mean covered load, per unit of weight."""
    result: dict[Role, int] = {}
    for role in SLOTS:
        loads = [search.problem.load[index] for index, r in search.covered if r == role]
        if loads:
            mean = sum(loads) / len(loads)
            result[role] = round(search.problem.team.stability_tolerance * mean)
    return result


def stability(search: Search) -> None:
    """Keep as many published slots as the goals before allow, and keep that many."""
    kept = []
    hint: dict[Choice, int] = {}
    for slot, member in sorted(search.problem.published.items()):
        if member is None or slot in search.problem.fixed:
            continue
        var = search.by_member.get((member, slot[1]), {}).get(slot[0])
        if var is not None:
            kept.append(var)
            hint[member, *slot] = 1
    if not kept:
        return
    # Start from the published plan where it still stands, the incumbent elsewhere.
    taken = {(index, role) for (_, index, role) in hint}
    busy = {(member, index) for (member, index, _) in hint}
    for (member, index, role), value in search.values.items():
        if value and (index, role) not in taken and (member, index) not in busy:
            hint[member, index, role] = 1
    objective = sum(kept)
    search.model.maximize(objective)
    solver = search.solve("stability", hint)
    if solver is not None:
        search.model.add(objective >= round(solver.objective_value))
