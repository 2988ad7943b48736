"""Spending a solve's budget: CP-SAT runs within each goal's share of it, in deterministic
time on one thread, and the record of each run (`Stage`)."""

from __future__ import annotations

import math
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from rotation.solver.budget import Budget, Stage

# How the time budget is shared between the goals; time a goal leaves unused goes to the next.
SHARES = {
    "rest": 0.15,
    "bound": 0.2,
    "balance": 0.2,
    "spread": 0.05,
    "gaps": 0.15,
    "pairing": 0.05,
    "stability": 0.1,
}


#: A solve may spend at most this much deterministic time per choice variable (at least
#: `LEAST_SECONDS`): a small team is planned in a fraction of the budget instead of spending
#: all of it on goals it cannot improve further.
SECONDS_PER_CHOICE = 0.002
LEAST_SECONDS = 0.5
#: Goals after balance that never inherit the time the goals before left: a plan whose balance
#: is proven early is not held back for a slightly wider gap or a better pairing.
CAPPED = frozenset({"spread", "gaps", "pairing"})
#: The part of the budget the stability goal of a regeneration may spend even when the goals
#: before spent it all: keeping the published plan is never skipped.
STABILITY_FLOOR = 0.1
#: Past this many times the budget in real time a solve stops whatever it proved: a guard
#: against a hung machine, never reached under ordinary load.
WALL_GUARD = 20


class Spending:
    """The budget of one solve as it is spent: runs CP-SAT within each goal's share and keeps
    the stages."""

    def __init__(self, budget: Budget, choices: int | None = None) -> None:
        if choices is not None:
            size = max(LEAST_SECONDS, choices * SECONDS_PER_CHOICE)
            budget = replace(budget, seconds=min(budget.seconds, size))
        self.budget = budget
        self.started = time.monotonic()
        self.spent = 0.0  # seconds of the budget used so far
        self.stages: list[Stage] = []

    @property
    def exhausted(self) -> bool:
        # Deterministic time only: a busy machine must not cut a plan short.
        return self.spent >= self.budget.seconds

    def allowed(self, name: str, label: str | None = None) -> float:
        """The deterministic seconds goal `name` may spend now: its share of the budget left."""
        budget = self.budget
        done = {stage.name.partition(":")[0] for stage in self.stages}
        remaining = sum(share for stage, share in SHARES.items() if stage not in done)
        share = SHARES[name] / remaining if remaining else 1.0
        left = max(0.0, budget.seconds - self.spent)
        allowed = left * min(1.0, share)
        if name in CAPPED:
            allowed = min(allowed, SHARES[name] * budget.seconds)
        if name == "stability" and label is None:
            allowed = max(allowed, STABILITY_FLOOR * budget.seconds)
        return allowed

    def run(
        self,
        name: str,
        model: cp_model.CpModel,
        label: str | None = None,
        *,
        limit: float | None = None,
        attempt: int = 0,
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """Run CP-SAT on `model` within goal `name`'s part of the budget left (at most `limit`
        deterministic seconds when given) and record the stage.

        The limits are in CP-SAT's deterministic time and the search runs on one thread with a
        fixed seed (the budget's, plus `attempt` for a search run again in slices), so the same
        model gives the same answer on any machine, under any load. Wall time only guards
        against a hang (`WALL_GUARD` times the budget), far beyond what a loaded machine needs.
        """
        allowed = self.allowed(name, label) if limit is None else limit
        solver = self._solver(allowed, attempt)
        began = time.monotonic()
        status = solver.solve(model)
        self.spent += solver.response_proto.deterministic_time
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        self.stages.append(
            Stage(
                label or name,
                solver.objective_value if found else math.nan,
                solver.best_objective_bound if found else math.nan,
                status == cp_model.OPTIMAL,
                time.monotonic() - began,
            )
        )
        return solver, status

    def prove(
        self,
        model: cp_model.CpModel,
        objective: cp_model.IntVar,
        value: int,
        limit: float,
    ) -> bool:
        """After the last run found `value` for `objective` (minimised) without proving it,
        check within `limit` that no solution has less; when none has, that run's stage is
        optimal. Improving on a value is often slow where proving that nothing improves on it
        is quick: the check is a feasibility question with a tight bound to propagate."""
        check = model.clone()
        check.clear_objective()  # type: ignore[no-untyped-call]
        check.clear_hints()  # type: ignore[no-untyped-call]
        check.add(check.get_int_var_from_proto_index(objective.index) <= value - 1)
        solver = self._solver(limit, 0)
        began = time.monotonic()
        status = solver.solve(check)
        self.spent += solver.response_proto.deterministic_time
        last = self.stages[-1]
        proven = status == cp_model.INFEASIBLE
        self.stages[-1] = replace(
            last,
            bound=float(value) if proven else last.bound,
            optimal=last.optimal or proven,
            seconds=last.seconds + time.monotonic() - began,
        )
        return proven

    def _solver(self, allowed: float, attempt: int) -> cp_model.CpSolver:
        budget = self.budget
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = max(0.02, allowed)
        wall = WALL_GUARD * budget.seconds - (time.monotonic() - self.started)
        solver.parameters.max_time_in_seconds = max(1.0, wall)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = budget.seed + attempt
        return solver
