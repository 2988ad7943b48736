"""The audit log: who changed what, when and why (SPEC section 4).

Writers call `record` inside the transaction of the change itself, so a change and its entry are
committed (or rolled back) together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.repositories.teams import get_team_row
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


def audit_rows(
    session: Session, team: str | None, limit: int, before: int | None = None
) -> tuple[list[AuditRow], bool]:
    """Up to `limit` entries older than id `before`, newest first, of one team or all (a deleted
    team's history stays readable), and whether older ones exist."""
    query = select(AuditRow)
    if team is not None:
        _check_team_known(session, team)
        query = query.where(AuditRow.team_id == team)
    if before is not None:
        query = query.where(col(AuditRow.id) < before)
    # One more than asked tells whether an older page exists.
    rows = list(session.exec(query.order_by(col(AuditRow.id).desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _check_team_known(session: Session, team: str) -> None:
    """A team is known while it exists, and after it was deleted as long as the log names it:
    the history of a deleted team stays readable."""
    try:
        get_team_row(session, team)  # also refuses anything that is not a slug
    except UnknownTeam:
        logged = select(AuditRow.id).where(AuditRow.team_id == team).limit(1)
        if not SLUG.fullmatch(team) or session.exec(logged).first() is None:
            raise
