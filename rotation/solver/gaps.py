"""Goal 3, gaps: the largest G such that every member's turns of a role are at least G periods
apart, or at least their fair spacing (the role's capacity over theirs) when that is smaller."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from ortools.sat.python import cp_model

from rotation.model import Role
from rotation.solver.search import Search


def gaps(search: Search) -> None:
    """Raise G, the least distance between two turns of a member (capped by each member's
    fair spacing), by bisection: each step asks for G or better."""
    targets = {
        (member, role): search.problem.spacing(role, member) for (member, role) in search.by_member
    }
    if not targets:
        return
    low = _achieved_gap(search, targets)
    high = max(targets.values()) + 1
    while high - low > 1 and not search.exhausted:
        wanted = (low + high) // 2
        attempt = search.model.new_bool_var(f"gap_{wanted}")
        for (member, role), target in targets.items():
            _space_turns(search, member, role, min(wanted, target), attempt)
        search.model.maximize(attempt)
        solver = search.solve("gaps")
        if solver is not None and solver.boolean_value(attempt):
            search.model.add(attempt == 1)
            low = max(wanted, _achieved_gap(search, targets))
        else:
            search.model.add(attempt == 0)
            high = wanted


def _space_turns(
    search: Search, member: str, role: Role, distance: int, enforce: cp_model.IntVar
) -> None:
    """At most one turn in any `distance` periods in a row, counting fixed turns (when fixed
    turns alone break that, they are let be)."""
    turns = search.by_member[member, role]
    if distance < 2 or not turns:
        return
    first, last = min(turns), max(turns)
    for start in range(first - distance + 1, last + 1):
        window = range(start, start + distance)
        free = [turns[i] for i in window if i in turns]
        if not free:
            continue
        fixed = sum(1 for i in window if search.holds_fixed(member, role, i))
        if fixed + len(free) <= 1:
            continue
        search.model.add(sum(free) + fixed <= max(1, fixed)).only_enforce_if(enforce)


def _achieved_gap(search: Search, targets: Mapping[tuple[str, Role], int]) -> int:
    """The G the incumbent reaches: the least distance between two turns of a member that
    is shorter than their fair spacing, where at least one of the two is free."""
    achieved = max(targets.values())
    for (member, role), target in targets.items():
        free = {
            i
            for i, _ in search.by_member[member, role].items()
            if search.values.get((member, i, role))
        }
        if not free:
            continue
        fixed = {
            index
            for (index, r), a in search.problem.fixed.items()
            if r == role and a.member == member
        }
        turns = sorted(free | fixed)
        for before, after in itertools.pairwise(turns):
            if before in free or after in free:
                distance = after - before
                if distance < target:
                    achieved = min(achieved, distance)
    return achieved
