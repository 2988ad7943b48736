"""Minimising one objective in slices: for the small models of the bound on goal 2, whose
search is heavy-tailed (most seeds settle them at once, a few wander for a long time)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rotation.solver.spending import Spending

#: The first slice, in deterministic seconds; each slice after is twice as long.
FIRST_SLICE = 0.02


@dataclass
class Settled:
    """The best solution found (read it with `solver`), its value and the proven lower bound."""

    solver: cp_model.CpSolver
    value: int
    proven: int

    @property
    def optimal(self) -> bool:
        return self.proven >= self.value


def settle(
    spending: Spending,
    name: str,
    label: str,
    model: cp_model.CpModel,
    objective: cp_model.IntVar,
    floor: int,
    hint: Mapping[cp_model.IntVar, int],
) -> Settled | None:
    """Minimise `objective` (at least `floor`, a proven bound) in `model`; None when no
    solution is found.

    Slices run one after the other, each twice as long as the one before and with its own seed,
    starting from the best solution so far (at first `hint`), until `name`'s share of the
    budget is spent; each slice is deterministic, so the whole is too. A slice asks first for a
    solution at the proven floor (there usually is one, and so tight a question is quickly
    answered either way), then for the best solution, then for the proof that none is better.
    """
    left = spending.allowed(name, label)
    best: Settled | None = None
    values = dict(hint)
    limit, attempt = FIRST_SLICE, 0
    while left > 0 and not spending.exhausted:
        before = spending.spent
        model.clear_hints()  # type: ignore[no-untyped-call]
        for var, value in values.items():
            model.add_hint(var, value)
        # Unhinted: a plan far from the floor misleads a search for one at the floor.
        at_floor = model.clone()
        at_floor.clear_objective()  # type: ignore[no-untyped-call]
        at_floor.clear_hints()  # type: ignore[no-untyped-call]
        at_floor.add(at_floor.get_int_var_from_proto_index(objective.index) <= floor)
        slice_ = min(limit, left)
        solver, status = spending.run(name, at_floor, label, limit=slice_, attempt=attempt)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Settled(solver, solver.value(objective), floor)
        if status == cp_model.INFEASIBLE:
            floor += 1
            model.add(objective >= floor)
        solver, status = spending.run(name, model, label, limit=slice_, attempt=attempt)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = round(solver.objective_value)
            floor = max(floor, math.ceil(solver.best_objective_bound - 1e-9))
            if floor < value and spending.prove(model, objective, value, slice_):
                floor = value
            if best is None or value < best.value:
                best = Settled(solver, value, floor)
                values = {var: solver.value(var) for var in values}
            best.proven = floor
            if best.optimal:
                return best
        left -= spending.spent - before
        limit, attempt = 2 * limit, attempt + 1
    return best
