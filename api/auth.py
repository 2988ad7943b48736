"""Bearer API tokens as FastAPI dependencies: who is calling (`api.principals`) and the checks
routes make before reading or writing. The web page's session keeps only a token's hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.clock import get_clock
from api.database import get_session
from api.principals import Principal, TokenRole, hash_token
from api.repositories.tokens import find_token, find_token_by_hash, token_and_revision
from api.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API token from `rota token create`.")


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_app_settings(request: Request) -> Settings:
    # Async, as every dependency that does no I/O here: FastAPI runs a plain `def` one on a
    # worker thread, a hop that costs more than the work.
    return app_settings(request)


#: The key of the web page's session that holds the signed-in token's hash.
SESSION_TOKEN = "token_hash"


def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[Session, Depends(get_session)],
) -> Principal | None:
    if credentials is None:
        return session_principal(request, session)
    principal = find_token(session, credentials.credentials, get_clock(request).now())
    return _checked(credentials, principal)


def _checked(
    credentials: HTTPAuthorizationCredentials | None, principal: Principal | None
) -> Principal | None:
    if credentials is not None and principal is None:
        raise HTTPException(401, "the bearer token is unknown, revoked or expired")
    return principal


def session_principal(request: Request, session: Session) -> Principal | None:
    """Who signed in to the web page, for reads only (see `_session_hash`)."""
    stored = _session_hash(request)
    if stored is None:
        return None
    return find_token_by_hash(session, stored, get_clock(request).now())


def _session_hash(request: Request) -> str | None:
    """The hash of the token the web page signed in with, for reads only: the page's own script
    reads the JSON API with the session cookie. A write always needs a bearer token (or a page
    form, which checks its CSRF token), so a cookie sent by another site's form changes
    nothing."""
    if request.method not in ("GET", "HEAD"):
        return None
    stored = request.scope.get("session", {}).get(SESSION_TOKEN)
    return stored if isinstance(stored, str) else None


async def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise HTTPException(401, "this needs a bearer token (Authorization: Bearer rota_...)")
    return principal


async def require_support_reader(
    principal: Annotated[Principal | None, Depends(optional_principal)],
    settings: Annotated[Settings, Depends(get_app_settings)],
) -> Principal | None:
    """Who is on support: any valid token, or nobody when ROTA_ANONYMOUS_READ allows it."""
    return _support_reader(principal, settings)


def _support_reader(principal: Principal | None, settings: Settings) -> Principal | None:
    if principal is None and not settings.anonymous_read:
        raise HTTPException(401, "this needs a bearer token (Authorization: Bearer rota_...)")
    return principal


@dataclass(frozen=True)
class TeamSupportRead:
    """`require_support_reader` for one team, and the team's revision when it was read with the
    token (None: there is no such team, so the answer's own read says so)."""

    principal: Principal | None
    revision: str | None


@dataclass(frozen=True)
class TeamSupportAsk:
    """Who asks for one team's answer, not yet looked up: the route reads the token with the
    team's revision in its own statement (`read`), so the most asked question costs one round
    trip and one worker thread, where a dependency doing I/O would take a thread of its own."""

    credentials: HTTPAuthorizationCredentials | None
    token_hash: str | None
    settings: Settings
    now: datetime

    def read(self, session: Session, team: str) -> TeamSupportRead:
        """The caller's principal (401 for a bad token, or none when one is needed) and the
        team's revision."""
        found = token_and_revision(session, self.token_hash, team, self.now)
        if found is not None:
            principal, revision = found.principal, found.revision
        else:
            principal = (
                find_token_by_hash(session, self.token_hash, self.now) if self.token_hash else None
            )
            revision = None
        principal = _support_reader(_checked(self.credentials, principal), self.settings)
        return TeamSupportRead(principal, revision)


async def team_support_ask(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TeamSupportAsk:
    # The settings and the clock straight from the app: each dependency of its own costs the
    # most asked question more than its work.
    token_hash = hash_token(credentials.credentials) if credentials else _session_hash(request)
    return TeamSupportAsk(credentials, token_hash, app_settings(request), get_clock(request).now())


async def require_admin(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if principal.role is not TokenRole.ADMIN:
        raise HTTPException(403, "this needs an admin token")
    return principal


#: Reads who is on support (and the schedule): anonymous when ROTA_ANONYMOUS_READ is set.
SupportReader = Annotated[Principal | None, Depends(require_support_reader)]
#: The same for one team's answer, read by the route with the team's revision (`read`).
TeamSupportReader = Annotated[TeamSupportAsk, Depends(team_support_ask)]
#: Reads anything else (members' contact details, ...): always a token.
Reader = Annotated[Principal, Depends(require_principal)]
Writer = Annotated[Principal, Depends(require_principal)]
Admin = Annotated[Principal, Depends(require_admin)]
