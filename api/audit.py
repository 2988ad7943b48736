"""The audit log: who changed what, when and why (SPEC section 4), and `GET /v1/audit`.

Writers call `record` inside the transaction of the change itself, so a change and its entry are
committed (or rolled back) together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api import repositories
from api.auth import Reader
from api.database import get_session
from api.planning import PlanUpdate
from api.tables import AuditRow
from rotation import UnknownTeam
from rotation.teamfile import SLUG

#: The actor of changes made by loading a team file (the file is the source of truth).
TEAM_FILE = "team-file"
#: The actor of changes made from the command line.
CLI = "cli"

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

_ACTOR_LENGTH = 200
_REASON_LENGTH = 500


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    team_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditRow:
    """Add one entry to the log; the caller commits it with the change it describes."""
    # A long free-text reason is cut rather than failing the change it explains.
    row = AuditRow(
        at=at,
        actor=actor[:_ACTOR_LENGTH],
        action=action,
        team_id=team_id,
        before=before,
        after=after,
        reason=reason[:_REASON_LENGTH],
    )
    session.add(row)
    return row


def record_change(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    team_id: str,
    before: BaseModel | None,
    after: BaseModel | None,
    reason: str = "",
) -> AuditRow:
    """Record a change of one resource, before and after as the API shows it (`None` before a
    create and after a delete)."""
    return record(
        session,
        at=at,
        actor=actor,
        action=action,
        team_id=team_id,
        before=None if before is None else before.model_dump(mode="json"),
        after=None if after is None else after.model_dump(mode="json"),
        reason=reason,
    )


def record_plan_update(
    session: Session,
    *,
    at: datetime,
    actor: str,
    team_id: str,
    update: PlanUpdate,
    regenerate: bool,
    reason: str = "",
) -> AuditRow:
    """Record a regeneration (or repair) asked for by a lead: each changed slot's holder before
    and after, and how the plan was found."""
    solve = update.solve
    return record(
        session,
        at=at,
        actor=actor,
        action="schedule.regenerate" if regenerate else "schedule.repair",
        team_id=team_id,
        before={"changes": [change.before_json() for change in update.changed]},
        after={
            "changes": [change.after_json() for change in update.changed],
            "added": update.added,
            "forced": update.forced,
            "solve": None
            if solve is None
            else {
                "method": solve.method,
                "optimal": solve.optimal,
                "balance_optimal": solve.balance_optimal,
                "gap": round(solve.gap, 4),
            },
        },
        reason=reason,
    )


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description='A token\'s name, "team-file" or "cli".')
    action: str = Field(examples=["team.update"])
    team: str | None
    before: dict[str, Any] | None = Field(description="The resource before; null for a create.")
    after: dict[str, Any] | None = Field(description="The resource after; null for a delete.")
    reason: str

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntryPublic:
        assert row.id is not None
        return cls(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            team=row.team_id,
            before=row.before,
            after=row.after,
            reason=row.reason,
        )


class AuditPagePublic(BaseModel):
    entries: list[AuditEntryPublic] = Field(description="Newest first.")
    next: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )


router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPagePublic)
def list_audit(
    session: Annotated[Session, Depends(get_session)],
    _: Reader,
    team: Annotated[str | None, Query(description="Only this team's entries.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    before: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Only entries older than this id (a page's `next`)."),
    ] = None,
) -> AuditPagePublic:
    """The audit log, newest first, a page at a time."""
    return audit_page(session, team, limit, before)


def audit_page(
    session: Session, team: str | None, limit: int = DEFAULT_LIMIT, before: int | None = None
) -> AuditPagePublic:
    """A page of the log, newest first: `limit` entries older than id `before`, of one team or
    all (a deleted team's history stays readable)."""
    query = select(AuditRow)
    if team is not None:
        _check_team_known(session, team)
        query = query.where(AuditRow.team_id == team)
    if before is not None:
        query = query.where(col(AuditRow.id) < before)
    # One more than asked tells whether an older page exists.
    rows = list(session.exec(query.order_by(col(AuditRow.id).desc()).limit(limit + 1)))
    page = rows[:limit]
    return AuditPagePublic(
        entries=[AuditEntryPublic.of(row) for row in page],
        next=page[-1].id if len(rows) > limit else None,
    )


def _check_team_known(session: Session, team: str) -> None:
    """A team is known while it exists, and after it was deleted as long as the log names it:
    the history of a deleted team stays readable."""
    try:
        repositories.get_team_row(session, team)  # also refuses anything that is not a slug
    except UnknownTeam:
        logged = select(AuditRow.id).where(AuditRow.team_id == team).limit(1)
        if not SLUG.fullmatch(team) or session.exec(logged).first() is None:
            raise
