"""Issuing and revoking API tokens, for the CLI and the admin routes alike: the same checks and
the same audit entries (`token.create`, `token.revoke`; never the secret)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api import repositories
from api.principals import TokenRole
from api.repositories import audit, tokens
from api.schemas.tokens import TokenCreate, TokenPublic
from api.tables import ApiTokenRow
from rotation.errors import InvalidReference


def issue_token(
    session: Session, wanted: TokenCreate, actor: str, now: datetime
) -> tuple[ApiTokenRow, str]:
    """Check and store a new token; return its row and its secret (the only time it is seen)."""
    if wanted.role is TokenRole.LEAD and not wanted.teams:
        raise InvalidReference("teams", "a lead token needs at least one team")
    if wanted.role is not TokenRole.LEAD and wanted.teams:
        raise InvalidReference("teams", "only a lead token leads teams")
    if (wanted.role is TokenRole.MEMBER) != (wanted.member is not None):
        raise InvalidReference("member", "a member token, and only a member token, names a member")
    if wanted.expires_at is not None and wanted.expires_at <= now:
        raise InvalidReference("expires_at", "lies in the past: a token must expire later")
    for team_id in wanted.teams:
        repositories.get_team_row(session, team_id)
    if wanted.member is not None and not repositories.people(session, [wanted.member]):
        raise InvalidReference("member", f"{wanted.member!r} is no member of any team")
    row, secret = tokens.create_token(
        session,
        wanted.name,
        wanted.role,
        sorted(set(wanted.teams)),
        now,
        wanted.member,
        wanted.expires_at,
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="token.create",
        team_id=None,
        after=_logged(row, now),
    )
    session.commit()
    session.refresh(row)
    return row, secret


def revoke_token(session: Session, token_id: int, actor: str, now: datetime) -> ApiTokenRow:
    """Revoke a token that is not revoked yet (`UnknownResource` otherwise)."""
    row = tokens.get_live_token(session, token_id)
    before = _logged(row, now)
    tokens.revoke(session, row, now)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="token.revoke",
        team_id=None,
        before=before,
        after=_logged(row, now),
    )
    session.commit()
    session.refresh(row)
    return row


def _logged(row: ApiTokenRow, now: datetime) -> dict[str, object]:
    return TokenPublic.of(row, now).model_dump(mode="json")
