"""API tokens: created with a secret shown once, found by the hash of their secret."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from api.principals import TOKEN_PREFIX, Principal, TokenRole, hash_token
from api.tables import ApiTokenRow


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
