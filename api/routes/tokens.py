"""API tokens, for admins: list them, create one (its secret is in that answer only), revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import tokens
from api.auth import Admin
from api.repositories.tokens import list_tokens
from api.routes.deps import ClockDep, RowId, SessionDep
from api.schemas.tokens import TokenCreate, TokenCreated, TokenPublic

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


@router.get("", response_model=list[TokenPublic])
def list_api_tokens(
    session: SessionDep,
    clock: ClockDep,
    _: Admin,
    revoked: Annotated[bool, Query(description="Include revoked tokens.")] = False,
) -> list[TokenPublic]:
    """Every token, oldest first, without secrets; expired ones say so."""
    now = clock.now()
    return [TokenPublic.of(row, now) for row in list_tokens(session, include_revoked=revoked)]


@router.post("", response_model=TokenCreated, status_code=201)
def create_api_token(
    body: TokenCreate, session: SessionDep, clock: ClockDep, principal: Admin
) -> TokenCreated:
    """A new token. Its secret is in this answer only: store it now."""
    now = clock.now()
    row, secret = tokens.issue_token(session, body, principal.name, now)
    return TokenCreated(**TokenPublic.of(row, now).model_dump(), token=secret)


@router.delete("/{token_id}", status_code=204)
def revoke_api_token(
    token_id: RowId, session: SessionDep, clock: ClockDep, principal: Admin
) -> Response:
    """Revoke a token: it is refused from now on (a 404 if it is unknown or revoked already)."""
    tokens.revoke_token(session, token_id, principal.name, clock.now())
    return Response(status_code=204)
