"""Goal 1, cover then rest: cover every slot someone can take, then the fewest back-to-back
turns in a role."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from rotation.model import SLOTS, Role
from rotation.solver.budget import Stage
from rotation.solver.fewest import fewest, role_floors
from rotation.solver.problem import Choice
from rotation.solver.search import Search


def rest(search: Search) -> int | None:
    """Cover every slot someone can take, then fewest back-to-back turns; return those."""
    problem = search.problem
    covered: list[cp_model.LinearExprT] = [
        var for slot in problem.free for _, var in search.by_slot.get(slot, ())
    ]
    open_slots = sum(1 for slot in problem.free if search.by_slot.get(slot))
    back_to_back = _back_to_back_terms(search)
    weight = len(back_to_back) + 1
    objective = cp_model.LinearExpr.sum(back_to_back) + weight * (
        open_slots - cp_model.LinearExpr.sum(covered)
    )
    seed = dict(search.values)
    began = time.monotonic()
    exact = fewest(search, near=seed)
    if exact is not None:
        # Small enough to walk: goal 1 is proven without a search, and the walk's plan, the
        # greedy's with as few slots changed as it takes to meet goal 1, is the incumbent.
        found = exact.uncovered * weight + exact.back_to_back
        search.values = exact.values
        search.stages.append(Stage("rest", found, found, True, time.monotonic() - began))
    else:
        search.model.minimize(objective)
        solver = search.solve("rest")
        if solver is None:
            return None
        found = round(solver.objective_value)
    # The greedy balances load; when it is as good on this goal, it is the better start
    # for the next ones than whatever plan the solver stopped at.
    uncovered_seed, back_to_back_seed = rest_score(search, seed)
    if uncovered_seed * weight + back_to_back_seed <= found:
        search.values = seed
        found = uncovered_seed * weight + back_to_back_seed
    search.model.add(objective <= found)
    return found % weight


def rest_score(search: Search, values: Mapping[Choice, int]) -> tuple[int, int]:
    """Goal 1 measured on `values`: uncovered slots, then back-to-back turns."""
    uncovered = sum(
        1
        for slot, choices in search.by_slot.items()
        if not any(values.get((member, *slot)) for member, _ in choices)
    )
    back_to_back = 0
    for (member, role), turns in search.by_member.items():
        for index in turns:
            if not values.get((member, index, role)):
                continue
            if values.get((member, index - 1, role)) or search.holds_fixed(member, role, index - 1):
                back_to_back += 1
            if index + 1 not in turns and search.holds_fixed(member, role, index + 1):
                back_to_back += 1
    return uncovered, back_to_back


def _back_to_back_terms(search: Search) -> list[cp_model.LinearExprT]:
    """One term per member, role and two periods in a row with at least one free slot."""
    terms: list[cp_model.LinearExprT] = []
    for (member, role), turns in search.by_member.items():
        for index, var in turns.items():
            after = search.turn(member, role, index + 1)
            # Two free slots in a row are counted once, from the later one.
            neighbours = [search.turn(member, role, index - 1)]
            if not isinstance(after, cp_model.IntVar):
                neighbours.append(after)
            for other in neighbours:
                if isinstance(other, cp_model.IntVar):
                    both = search.model.new_bool_var("")
                    search.model.add(both >= var + other - 1)
                    terms.append(both)
                elif other == 1:
                    terms.append(var)  # next to the member's own fixed turn
    return terms


def fix_coverage(search: Search) -> None:
    """Keep the slots goal 1 covered covered and the others empty, so every later goal
    shares out the same total load."""
    search.covered = set()
    for slot in search.problem.free:
        variables = [var for _, var in search.by_slot.get(slot, ())]
        if not variables:
            continue
        taken = any(search.values.get((m, *slot), 0) for m, _ in search.by_slot[slot])
        search.model.add(sum(variables) == int(taken))
        if taken:
            search.covered.add(slot)
    search.shares = {role: search.problem.shares(role, search.covered) for role in SLOTS}


def allowances(search: Search, back_to_back: int) -> dict[Role, int]:
    """Per role, the most back-to-back turns a plan that meets goal 1 can have in it: what goal 1
    left, less what the other roles cannot avoid with the coverage fixed (`role_floors`)."""
    floors = role_floors(search)
    unavoidable = sum(floors.values())
    return {role: back_to_back - (unavoidable - floors[role]) for role in SLOTS}


def most_apart(indices: Sequence[int]) -> int:
    """How many of `indices` (sorted) can be taken with no two in a row."""
    most, run, previous = 0, 0, None
    for index in indices:
        run = run + 1 if previous is not None and index == previous + 1 else 1
        if run == 1 or run % 2 == 1:
            most += 1
        previous = index
    return most
