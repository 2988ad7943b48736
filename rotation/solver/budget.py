"""The solver's budget: how long it may search, how that time is shared between the goals, and
the record of each goal's run (`Stage`)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

# How the time budget is shared between the goals; time a goal leaves unused goes to the next.
SHARES = {
    "rest": 0.15,
    "bound": 0.2,
    "balance": 0.2,
    "spread": 0.1,
    "gaps": 0.15,
    "pairing": 0.1,
    "stability": 0.1,
}


@dataclass(frozen=True)
class Budget:
    """How long the solver may search for a whole plan, and with how many threads.

    With one worker, `seconds` counts CP-SAT's deterministic time (roughly one to three
    seconds of this machine's each) and plans are reproducible; see `Spending.run`.
    """

    seconds: float = 4.0
    workers: int = 2
    seed: int = 0


@dataclass(frozen=True)
class Stage:
    """One goal's outcome: the achieved value, the best proven bound, whether it is optimal."""

    name: str
    value: float
    bound: float
    optimal: bool
    seconds: float


class Spending:
    """The budget of one solve as it is spent: runs CP-SAT within each goal's share and keeps
    the stages."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self.spent = 0.0  # seconds of the budget used so far
        self.stages: list[Stage] = []

    @property
    def exhausted(self) -> bool:
        wall = time.monotonic() - self.started
        return self.spent >= self.budget.seconds or wall >= 2 * self.budget.seconds

    def run(
        self, name: str, model: cp_model.CpModel, label: str | None = None
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """Run CP-SAT on `model` within goal `name`'s part of the budget left and record the
        stage.

        With one worker the limits are in CP-SAT's deterministic time, so the same input gives
        the same plan on any machine. Several workers search faster but race each other: two
        runs may return different plans, equally good on every goal they proved.
        """
        budget = self.budget
        done = {stage.name.partition(":")[0] for stage in self.stages}
        remaining = sum(share for stage, share in SHARES.items() if stage not in done)
        share = SHARES[name] / remaining if remaining else 1.0
        solver = cp_model.CpSolver()
        if budget.workers == 1:
            left = max(0.0, budget.seconds - self.spent)
            solver.parameters.max_deterministic_time = max(0.02, left * min(1.0, share))
            # A safety net: past twice the budget in real time, reproducibility gives way.
            wall = 2 * budget.seconds - (time.monotonic() - self.started)
            solver.parameters.max_time_in_seconds = max(0.05, wall)
        else:
            left = max(0.0, budget.seconds - (time.monotonic() - self.started))
            solver.parameters.max_time_in_seconds = max(0.02, left * min(1.0, share))
        solver.parameters.num_workers = budget.workers
        solver.parameters.random_seed = budget.seed
        began = time.monotonic()
        status = solver.solve(model)
        self.spent += (
            solver.response_proto.deterministic_time
            if budget.workers == 1
            else time.monotonic() - began
        )
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
