"""Bearer API tokens as FastAPI dependencies: who is calling (`api.principals`) and the checks
routes make before reading or writing. The web page's session keeps only a token's hash."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.clock import get_clock
from api.database import get_session
from api.principals import Principal, TokenRole
from api.repositories.tokens import find_token, find_token_by_hash
from api.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API token from `rota token create`.")


async def get_app_settings(request: Request) -> Settings:
    # Async, as every dependency that does no I/O here: FastAPI runs a plain `def` one on a
    # worker thread, a hop that costs more than the work.
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
    principal = find_token(session, credentials.credentials, get_clock(request).now())
    if principal is None:
        raise HTTPException(401, "the bearer token is unknown, revoked or expired")
    return principal


def session_principal(request: Request, session: Session) -> Principal | None:
    """Who signed in to the web page, for reads only: the page's own script reads the JSON API
    with the session cookie. A write always needs a bearer token (or a page form, which checks
    its CSRF token), so a cookie sent by another site's form changes nothing."""
    if request.method not in ("GET", "HEAD"):
        return None
    stored = request.scope.get("session", {}).get(SESSION_TOKEN)
    if not isinstance(stored, str):
        return None
    return find_token_by_hash(session, stored, get_clock(request).now())


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
    if principal is None and not settings.anonymous_read:
        raise HTTPException(401, "this needs a bearer token (Authorization: Bearer rota_...)")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if principal.role is not TokenRole.ADMIN:
        raise HTTPException(403, "this needs an admin token")
    return principal


#: Reads who is on support (and the schedule): anonymous when ROTA_ANONYMOUS_READ is set.
SupportReader = Annotated[Principal | None, Depends(require_support_reader)]
#: Reads anything else (members' contact details, ...): always a token.
Reader = Annotated[Principal, Depends(require_principal)]
Writer = Annotated[Principal, Depends(require_principal)]
Admin = Annotated[Principal, Depends(require_admin)]
