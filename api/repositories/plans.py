"""The published plan: assignment rows, its end, who held a slot when."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from api.repositories.teams import teams_of
from api.tables import AssignmentRow
from rotation import Assignment, Period, Role, Source


def teams_with_turns(
    session: Session, person_id: str, since: datetime, until: datetime
) -> list[str]:
    """The teams `person_id` is a member of, and those where they hold a slot in
    `[since, until)` (a leaver's last turns)."""
    held = select(AssignmentRow.team_id).where(
        AssignmentRow.person_id == person_id,
        col(AssignmentRow.period_start) < until,
        col(AssignmentRow.period_end) > since,
    )
    return sorted(set(teams_of(session, person_id)) | set(session.exec(held.distinct())))


def assignment_from_row(row: AssignmentRow) -> Assignment:
    period = Period(row.period_index, row.period_start, row.period_end)
    return Assignment(Role(row.role), period, row.person_id, Source(row.source))


def assignment_rows(
    session: Session, team_id: str, since: datetime | None = None, until: datetime | None = None
) -> list[AssignmentRow]:
    """The team's assignment rows overlapping `[since, until)`, in period then role order."""
    query = select(AssignmentRow).where(AssignmentRow.team_id == team_id)
    if until is not None:
        query = query.where(col(AssignmentRow.period_start) < until)
    if since is not None:
        query = query.where(col(AssignmentRow.period_end) > since)
    return list(
        session.exec(query.order_by(col(AssignmentRow.period_index), col(AssignmentRow.role)))
    )


def assignments(
    session: Session, team_id: str, since: datetime | None = None, until: datetime | None = None
) -> list[Assignment]:
    return [assignment_from_row(r) for r in assignment_rows(session, team_id, since, until)]


def assignments_at(
    session: Session, team_ids: Collection[str], at: datetime
) -> dict[str, list[Assignment]]:
    """The assignments of the period under way at `at` in each of `team_ids`, in one
    statement."""
    query = select(AssignmentRow).where(
        col(AssignmentRow.team_id).in_(list(team_ids)),
        col(AssignmentRow.period_start) <= at,
        col(AssignmentRow.period_end) > at,
    )
    found: dict[str, list[Assignment]] = {team: [] for team in team_ids}
    for row in session.exec(query.order_by(col(AssignmentRow.role))):
        found[row.team_id].append(assignment_from_row(row))
    return found


def plan_end(session: Session, team_id: str) -> datetime | None:
    """The end of the last planned period of the team, or None when nothing is planned."""
    result: datetime | None = session.exec(
        select(func.max(AssignmentRow.period_end)).where(AssignmentRow.team_id == team_id)
    ).one()
    return _as_utc(result)


def first_started(session: Session, team_id: str, now: datetime) -> datetime | None:
    """The start of the team's first published period that has begun, if any."""
    result: datetime | None = session.exec(
        select(func.min(AssignmentRow.period_start)).where(
            AssignmentRow.team_id == team_id, col(AssignmentRow.period_start) <= now
        )
    ).one()
    return _as_utc(result)


def add_assignment(session: Session, team_id: str, assignment: Assignment, now: datetime) -> None:
    """Publish one newly planned slot (the caller commits)."""
    session.add(
        AssignmentRow(
            team_id=team_id,
            role=assignment.role.value,
            period_index=assignment.period.index,
            period_start=assignment.period.start,
            period_end=assignment.period.end,
            person_id=assignment.member,
            updated_at=now,
        )
    )


def delete_assignments(session: Session, team_id: str) -> None:
    session.exec(delete(AssignmentRow).where(col(AssignmentRow.team_id) == team_id))


def _as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands aggregates back without the column's type: attach the zone it was stored in.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def hand_over(
    session: Session, row: AssignmentRow, holder: str | None, source: Source, now: datetime
) -> None:
    """Give a published slot to `holder` (a swap, or a re-plan that moved it)."""
    row.person_id = holder
    row.source = source.value
    row.updated_at = now
    session.add(row)


def plan_ends(session: Session, team_ids: Collection[str] | None = None) -> dict[str, datetime]:
    """Each team's end of plan (of `team_ids`, default every team), in one statement."""
    query = select(AssignmentRow.team_id, func.max(AssignmentRow.period_end))
    if team_ids is not None:
        query = query.where(col(AssignmentRow.team_id).in_(list(team_ids)))
    rows = session.exec(
        query.group_by(col(AssignmentRow.team_id)).order_by(col(AssignmentRow.team_id))
    )
    ends = {team: _as_utc(end) for team, end in rows}
    return {team: end for team, end in ends.items() if end is not None}
