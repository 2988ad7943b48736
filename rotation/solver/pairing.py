"""Goal 4, pairing: the fewest meetings of the most repeated developer-operator pair, then the
most distinct pairs, counted over the fairness window with the fixed periods."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from rotation.model import Role
from rotation.solver.search import Search

#: Beyond this many pair variables the pairing goal is left to the earlier goals' plan.
MAX_PAIR_VARIABLES = 300_000


def pairing(search: Search) -> None:
    problem = search.problem
    meetings: dict[tuple[str, str], list[cp_model.LinearExprT]] = defaultdict(list)
    pair_variables = 0
    for current in problem.periods:
        index = current.index
        developers = _holders(search, index, Role.DEVELOPER)
        operators = _holders(search, index, Role.OPERATOR)
        pair_variables += len(developers) * len(operators)
        if pair_variables > MAX_PAIR_VARIABLES:
            return
        for developer, dev_turn in developers:
            for operator, op_turn in operators:
                if developer == operator:
                    continue
                meetings[developer, operator].append(_both(search, dev_turn, op_turn))
    planned = {p.index for p in problem.periods}
    for (index, role), assignment in problem.fixed.items():
        if role is not Role.DEVELOPER or index in planned:
            continue
        partner = problem.fixed.get((index, Role.OPERATOR))
        if assignment.member and partner and partner.member and problem.load[index] > 0:
            meetings[assignment.member, partner.member].append(1)
    if not meetings:
        return
    model = search.model
    most = model.new_int_var(0, len(problem.period_of), "most_repeated")
    distinct = []
    for terms in meetings.values():
        count = sum(terms)
        model.add(count <= most)
        met = model.new_bool_var("")
        model.add(met <= count)
        distinct.append(met)
    objective = most * (len(distinct) + 1) - sum(distinct)
    model.minimize(objective)
    solver = search.solve("pairing")
    if solver is not None:
        model.add(objective <= round(solver.objective_value))


def _holders(search: Search, index: int, role: Role) -> list[tuple[str, cp_model.IntVar | int]]:
    fixed = search.problem.fixed.get((index, role))
    if fixed is not None:
        return [(fixed.member, 1)] if fixed.member else []
    return [
        (m, var)
        for m, var in search.by_slot.get((index, role), ())
        if (index, role) in search.covered
    ]


def _both(
    search: Search, first: cp_model.IntVar | int, second: cp_model.IntVar | int
) -> cp_model.LinearExprT:
    if isinstance(first, int):
        return second if first else 0
    if isinstance(second, int):
        return first if second else 0
    both = search.model.new_bool_var("")
    search.model.add(both >= first + second - 1)
    search.model.add(both <= first)
    search.model.add(both <= second)
    return both
