"""The fewest back-to-back turns, exactly: a shortest path over the periods whose states are who
holds each slot of a period. It proves goal 1 at once for the teams small enough to walk (and
hands over a plan that reaches it), and, once coverage is fixed, gives each role its own floor,
so that the bound of goal 2 knows how many back-to-back turns each role cannot avoid."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rotation.model import SLOTS, Role
from rotation.solver.problem import Choice, Slot
from rotation.solver.search import Search

#: Past this many ways to fill one period the walk is left to CP-SAT (a 12+12 team has 169).
MAX_STATES = 200

Holders = tuple[str | None, ...]


@dataclass(frozen=True)
class Fewest:
    """The least (uncovered, back-to-back) over every plan, and one plan that has it."""

    uncovered: int
    back_to_back: int
    values: dict[Choice, int]


def fewest(
    search: Search,
    roles: Sequence[Role] = SLOTS,
    fixed_coverage: bool = False,
    near: Mapping[Choice, int] | None = None,
) -> Fewest | None:
    """Walk the periods for the plans of `roles` with the fewest uncovered slots, then the
    fewest back-to-back turns, counted as goal 1 counts them (two turns in a row with at least
    one of them free), then the fewest free slots held by someone else than in `near`. With
    `fixed_coverage` the covered slots are those of `search.covered`. None when a period has
    more than `MAX_STATES` ways to be filled."""
    problem = search.problem
    free = set(problem.free)
    indices = sorted({index for index, _ in problem.free})
    if not indices:
        return Fewest(0, 0, {})
    # The fixed neighbours on either side count too: a turn next to one's own fixed turn.
    steps = range(indices[0] - 1, indices[-1] + 2)
    # Costs are one integer: uncovered slots weigh more than any number of back-to-back turns,
    # which weigh more than any number of slots held by someone else than in `near`.
    heavy = len(steps) * len(roles) + 1
    uncovered = heavy * heavy
    options: list[list[tuple[Holders, int]]] = []
    for index in steps:
        per_role: list[list[tuple[str | None, int]]] = []
        for role in roles:
            slot = (index, role)
            if slot in problem.fixed:
                per_role.append([(problem.fixed[slot].member, 0)])
            elif slot not in free:
                per_role.append([(None, 0)])
            else:
                per_role.append(_takers(search, slot, near, fixed_coverage, uncovered))
        # Nobody takes two free slots of one period (a fixed holder is already not eligible
        # for the other slot, and fixed slots are as they are).
        chosen = [i for i, role in enumerate(roles) if (index, role) in free]
        states = [
            (tuple(m for m, _ in combination), sum(cost for _, cost in combination))
            for combination in itertools.product(*per_role)
            if _distinct([combination[i][0] for i in chosen])
        ]
        if len(states) > MAX_STATES:
            return None
        options.append(states)
    both_fixed = [
        [(index, role) in problem.fixed and (index + 1, role) in problem.fixed for role in roles]
        for index in steps
    ]
    cost = [start for _, start in options[0]]
    back: list[list[int]] = []
    for step in range(1, len(options)):
        order = sorted(range(len(cost)), key=cost.__getitem__)
        previous = options[step - 1]
        fixed_pair = both_fixed[step - 1]
        new_cost: list[int] = []
        pointers: list[int] = []
        for holders, own in options[step]:
            best, best_from = -1, -1
            for source in order:
                if best >= 0 and cost[source] >= best:
                    break  # costs only grow from here, and a step adds at least 0
                repeats = sum(
                    1
                    for position, member in enumerate(holders)
                    if member is not None
                    and previous[source][0][position] == member
                    and not fixed_pair[position]
                )
                total = cost[source] + heavy * repeats
                if best < 0 or total < best:
                    best, best_from = total, source
            new_cost.append(best + own)
            pointers.append(best_from)
        cost = new_cost
        back.append(pointers)
    state = min(range(len(cost)), key=cost.__getitem__)
    total = cost[state]
    values: dict[Choice, int] = {}
    for step in range(len(options) - 1, -1, -1):
        holders, _ = options[step][state]
        index = steps[step]
        for role, member in zip(roles, holders, strict=True):
            if member is not None and (index, role) in free:
                values[member, index, role] = 1
        if step:
            state = back[step - 1][state]
    return Fewest(total // uncovered, total % uncovered // heavy, values)


def role_floors(search: Search) -> dict[Role, int]:
    """Per role, the fewest back-to-back turns it can have with the coverage fixed, ignoring the
    other role: a floor every plan the later goals consider is above."""
    floors: dict[Role, int] = {}
    for role in SLOTS:
        found = fewest(search, (role,), fixed_coverage=True)
        floors[role] = found.back_to_back if found is not None else 0
    return floors


def _takers(
    search: Search,
    slot: Slot,
    near: Mapping[Choice, int] | None,
    fixed_coverage: bool,
    uncovered: int,
) -> list[tuple[str | None, int]]:
    """Who may hold a free slot, each with its own cost: `uncovered` for leaving open a slot
    someone could take (unless the coverage is fixed), one for a holder other than `near`'s."""
    holders = [m for m, _ in search.by_slot.get(slot, ())]
    index, role = slot
    wanted = next((m for m in holders if near and near.get((m, index, role))), None)

    def moved(member: str | None) -> int:
        return int(near is not None and member != wanted)

    if fixed_coverage:
        if slot not in search.covered:
            return [(None, moved(None))]
        return [(m, moved(m)) for m in holders]
    open_cost = uncovered if holders else 0
    return [*((m, moved(m)) for m in holders), (None, open_cost + moved(None))]


def _distinct(members: list[str | None]) -> bool:
    held = [m for m in members if m is not None]
    return len(held) == len(set(held))
