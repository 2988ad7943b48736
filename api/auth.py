"""Bearer API tokens: `viewer` reads, `lead` also writes the teams it leads, `admin` writes all,
and a `member` token acts as one person: it reads, and for that person alone sets time off (or
imports it from a calendar), asks for and answers swaps, sets the handoff note and reminder
channels and lead times, and hands out the token of their own calendar feed.

Tokens are random, shown once, and stored as SHA-256 hashes: a leaked database gives no token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, col, select

from api.database import get_session
from api.settings import Settings
from api.tables import ApiTokenRow

TOKEN_PREFIX = "rota_"


class TokenRole(StrEnum):
    VIEWER = "viewer"
    LEAD = "lead"
    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name, role, the teams a lead leads, the person a member is."""

    name: str
    role: TokenRole
    teams: tuple[str, ...] = ()
    member: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is TokenRole.ADMIN

    def may_write(self, team_id: str) -> bool:
        return self.role is TokenRole.ADMIN or (
            self.role is TokenRole.LEAD and team_id in self.teams
        )

    def may_act_for(self, team_id: str, person_id: str) -> bool:
        """May change what belongs to `person_id` in the team: a writer of the team, or that
        person's own member token."""
        return self.may_write(team_id) or (
            self.role is TokenRole.MEMBER and self.member == person_id
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    name: str,
    role: TokenRole,
    teams: list[str],
    now: datetime,
    member: str | None = None,
) -> tuple[ApiTokenRow, str]:
    """Store a new token and return its row and the secret (the only time it is seen).

    A `member` token names the person it acts as (`member`); no other role does."""
    if (role is TokenRole.MEMBER) != (member is not None):
        raise ValueError("a member token, and only a member token, names a member")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(
        name=name,
        role=role.value,
        teams=sorted(teams),
        member=member,
        token_hash=hash_token(secret),
        created_at=now,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, secret


def find_token(session: Session, secret: str) -> Principal | None:
    return find_token_by_hash(session, hash_token(secret))


def find_token_by_hash(session: Session, token_hash: str) -> Principal | None:
    """The principal of a live token by its hash (the web page's session keeps only that)."""
    row = session.exec(
        select(ApiTokenRow).where(
            ApiTokenRow.token_hash == token_hash, col(ApiTokenRow.revoked_at).is_(None)
        )
    ).first()
    if row is None:
        return None
    return Principal(row.name, TokenRole(row.role), tuple(row.teams), row.member)


_bearer = HTTPBearer(auto_error=False, description="An API token from `rota token create`.")


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


#: The key of the web page's session that holds the signed-in token's hash.
SESSION_TOKEN = "token_hash"


def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[Session, Depends(get_session)],
) -> Principal | None:
    if credentials is None:
        return session_principal(request, session)
    principal = find_token(session, credentials.credentials)
    if principal is None:
        raise HTTPException(401, "the bearer token is unknown or revoked")
    return principal


def session_principal(request: Request, session: Session) -> Principal | None:
    """Who signed in to the web page, for reads only: the page's own script reads the JSON API
    with the session cookie. A write always needs a bearer token (or a page form, which checks
    its CSRF token), so a cookie sent by another site's form changes nothing."""
    if request.method not in ("GET", "HEAD"):
        return None
    stored = request.scope.get("session", {}).get(SESSION_TOKEN)
    return find_token_by_hash(session, stored) if isinstance(stored, str) else None


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise HTTPException(401, "this needs a bearer token (Authorization: Bearer rota_...)")
    return principal


def require_support_reader(
    principal: Annotated[Principal | None, Depends(optional_principal)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Principal | None:
    """Who is on support: any valid token, or nobody when ROTA_ANONYMOUS_READ allows it."""
    if principal is None and not settings.anonymous_read:
        raise HTTPException(401, "this needs a bearer token (Authorization: Bearer rota_...)")
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if principal.role is not TokenRole.ADMIN:
        raise HTTPException(403, "this needs an admin token")
    return principal


def check_may_write(principal: Principal, team_id: str) -> None:
    if not principal.may_write(team_id):
        raise HTTPException(403, "this token may not change this team")


def check_may_act_for_self(principal: Principal) -> None:
    """Before looking anything up for a token that may not write the team: only a member token
    may go on (to act for its own person), so nobody else learns what exists there."""
    if principal.role is not TokenRole.MEMBER:
        raise HTTPException(403, "this token may not change this team")


def check_may_act_for(principal: Principal, team_id: str, person_id: str) -> None:
    if not principal.may_act_for(team_id, person_id):
        raise HTTPException(
            403, "this token may not change this team, nor act for this member of it"
        )


#: Reads who is on support (and the schedule): anonymous when ROTA_ANONYMOUS_READ is set.
SupportReader = Annotated[Principal | None, Depends(require_support_reader)]
#: Reads anything else (members' contact details, ...): always a token.
Reader = Annotated[Principal, Depends(require_principal)]
Writer = Annotated[Principal, Depends(require_principal)]
Admin = Annotated[Principal, Depends(require_admin)]
