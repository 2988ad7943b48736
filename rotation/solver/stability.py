"""Goal 5, stability: the fewest changes against the published plan (the slots it keeps)."""

from __future__ import annotations

from rotation.solver.search import Search


def stability(search: Search) -> None:
    kept = []
    for slot, member in search.problem.published.items():
        if member is None or slot in search.problem.fixed:
            continue
        var = search.by_member.get((member, slot[1]), {}).get(slot[0])
        if var is not None:
            kept.append(var)
    if not kept:
        return
    objective = sum(kept)
    search.model.maximize(objective)
    solver = search.solve("stability")
    if solver is not None:
        search.model.add(objective >= round(solver.objective_value))
