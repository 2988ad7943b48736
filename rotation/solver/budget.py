"""The solver's budget: how long it may search and how many teams plan at once (`Budget`), and
the record of each goal's run (`Stage`). How a budget is spent is `rotation.solver.spending`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """How long the solver may search for a whole plan, and how many teams plan at once.

    `seconds` counts CP-SAT's deterministic time (a measure of work done, roughly one to three
    seconds of this machine's each), so the same input gives the same plan on any machine and
    under any load; see `Spending.run`. Each solve runs on one thread: `workers` is how many
    teams a load of many team files plans in parallel processes, never a source of races.
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
