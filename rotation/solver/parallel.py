"""Plans of many teams at once, in parallel processes.

Each solve runs on one thread (`Budget`), so a machine with several cores plans several teams
at once in separate processes. `presolve` plans each request in a pool of `workers` processes
and remembers the plans in this process: the `plan` calls that follow with the same inputs
answer at once, the same plans as if solved here (solves are deterministic). A request whose
inputs turn out different costs nothing but the work: the later call solves again.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from rotation.model import Member, Period, Team, TimeOff
from rotation.solver.budget import Budget
from rotation.solver.outcome import Plan


@dataclass(frozen=True)
class PlanRequest:
    """The inputs of one `plan` call of a team with no history and nothing published."""

    team: Team
    members: tuple[Member, ...]
    periods: tuple[Period, ...]
    time_off: tuple[TimeOff, ...]
    budget: Budget | None


def presolve(requests: Sequence[PlanRequest], workers: int) -> int:
    """Plan `requests` in up to `workers` processes and remember the plans; return how many
    were planned. With one worker or one request, nothing is done (the callers solve)."""
    if workers < 2 or len(requests) < 2:
        return 0
    # Imported here, like every use of the planner outside it (see `rotation.solver`).
    from rotation.solver.planner import remember

    # Spawned, not forked: the parent may run threads (a server, a scheduler) that a fork
    # would copy mid-flight.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(requests)), mp_context=context) as pool:
        plans = list(pool.map(_solve, requests, chunksize=max(1, len(requests) // (4 * workers))))
    for request, found in zip(requests, plans, strict=True):
        remember(
            request.team, request.members, request.periods, request.time_off, request.budget, found
        )
    return len(plans)


def _solve(request: PlanRequest) -> Plan:
    from rotation.solver.planner import plan

    return plan(
        request.team, request.members, request.periods, request.time_off, budget=request.budget
    )
