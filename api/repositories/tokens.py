"""API tokens: created with a secret shown once, found by the hash of their secret while live
(neither revoked nor expired), listed and revoked by id."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, or_
from sqlmodel import Session, col, select

from api.principals import TOKEN_PREFIX, Principal, TokenRole, hash_token
from api.tables import ApiTokenRow
from rotation.errors import UnknownResource


def create_token(
    session: Session,
    name: str,
    role: TokenRole,
    teams: list[str],
    now: datetime,
    member: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiTokenRow, str]:
    """Add a new token and return its row and the secret (the only time it is seen).

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
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()  # the id; the caller commits, with the audit entry
    return row, secret


def find_token(session: Session, secret: str, now: datetime) -> Principal | None:
    return find_token_by_hash(session, hash_token(secret), now)


def find_token_by_hash(session: Session, token_hash: str, now: datetime) -> Principal | None:
    """The principal of a live token by its hash (the web page's session keeps only that)."""
    row = session.execute(_LIVE_TOKEN, {"hash": token_hash, "now": now}).first()
    if row is None:
        return None
    return Principal(row.name, TokenRole(row.role), tuple(row.teams), row.member)


# Read on every authenticated request: built once (building a statement costs more than
# running it).
_LIVE_TOKEN = select(
    ApiTokenRow.name, ApiTokenRow.role, ApiTokenRow.teams, ApiTokenRow.member
).where(
    col(ApiTokenRow.token_hash) == bindparam("hash"),
    col(ApiTokenRow.revoked_at).is_(None),
    or_(col(ApiTokenRow.expires_at).is_(None), col(ApiTokenRow.expires_at) > bindparam("now")),
)


def list_tokens(session: Session, *, include_revoked: bool = False) -> list[ApiTokenRow]:
    """Every token, oldest first; revoked ones only when asked (expired ones always show)."""
    query = select(ApiTokenRow)
    if not include_revoked:
        query = query.where(col(ApiTokenRow.revoked_at).is_(None))
    return list(session.exec(query.order_by(col(ApiTokenRow.id))))


def get_live_token(session: Session, token_id: int) -> ApiTokenRow:
    """A token that is not revoked (it may have expired), or `UnknownResource`."""
    row = session.get(ApiTokenRow, token_id)
    if row is None or row.revoked_at is not None:
        raise UnknownResource("API token", token_id)
    return row


def revoke(session: Session, row: ApiTokenRow, now: datetime) -> None:
    row.revoked_at = now
    session.add(row)
