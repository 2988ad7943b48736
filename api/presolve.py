"""Plans of the new teams of a load of many team files, solved in parallel processes before the
load writes anything (`rotation.solver.parallel`). The load then finds each plan remembered and
writes it; a team whose inputs differ from what was foreseen is simply solved again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from api import repositories
from api.planning import first_plan_periods
from rotation import Budget, TeamFile
from rotation.solver.parallel import PlanRequest, presolve


def presolve_new_teams(
    session: Session, files: Sequence[TeamFile], now: datetime, budget: Budget | None
) -> int:
    """Solve, in `budget.workers` processes, the first plan of every team of `files` that does
    not exist yet; return how many were solved (0 when one process would do)."""
    workers = (budget or Budget()).workers
    new = [file for file in files if not repositories.team_exists(session, file.team.id)]
    if workers < 2 or len(new) < 2:
        return 0
    requests = []
    for file in new:
        ids = sorted({member.id for member in file.members})
        # A person's time off applies in all their teams: the load's files and the database.
        time_off = [entry for other in files for entry in other.time_off if entry.member in ids]
        time_off.extend(repositories.time_off_of(session, ids))
        requests.append(
            PlanRequest(
                file.team,
                tuple(file.members),
                tuple(first_plan_periods(file.team, now)),
                tuple(time_off),
                budget,
            )
        )
    return presolve(requests, workers)
