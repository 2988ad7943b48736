"""API tokens: created with a secret shown once, found by the hash of their secret while live
(neither revoked nor expired), listed and revoked by id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, or_
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from api.principals import TOKEN_PREFIX, Principal, TokenRole, hash_token
from api.repositories.statements import first_row
from api.repositories.teams import revision_of
from api.tables import ApiTokenRow, TeamRow
from rotation.errors import UnknownResource
from rotation.teamfile import SLUG


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


@dataclass(frozen=True)
class TeamRead:
    """A team's revision, and the principal of the token asked about (None when it names no live
    token, or none was given)."""

    revision: str
    principal: Principal | None


def token_and_revision(
    session: Session, token_hash: str | None, team_id: str, now: datetime
) -> TeamRead | None:
    """The two reads behind every single-team answer, the live token of `token_hash` and the
    team's revision, in one statement; None when there is no such team."""
    if not SLUG.fullmatch(team_id):
        return None  # names no team (and must not reach PostgreSQL, which refuses NULs)
    row = first_row(
        session, _TOKEN_AND_REVISION, {"team": team_id, "hash": token_hash or "", "now": now}
    )
    if row is None:
        return None
    principal = (
        Principal(row.name, TokenRole(row.role), tuple(row.teams), row.member)
        if row.name is not None
        else None
    )
    return TeamRead(revision_of(row.version, row.incarnation), principal)


def find_token(session: Session, secret: str, now: datetime) -> Principal | None:
    return find_token_by_hash(session, hash_token(secret), now)


def find_token_by_hash(session: Session, token_hash: str, now: datetime) -> Principal | None:
    """The principal of a live token by its hash (the web page's session keeps only that)."""
    row = first_row(session, _LIVE_TOKEN, {"hash": token_hash, "now": now})
    if row is None:
        return None
    return Principal(row.name, TokenRole(row.role), tuple(row.teams), row.member)


# Read on every authenticated request: built once (building a statement costs more than
# running it).
_LIVE = and_(
    col(ApiTokenRow.token_hash) == bindparam("hash"),
    col(ApiTokenRow.revoked_at).is_(None),
    or_(col(ApiTokenRow.expires_at).is_(None), col(ApiTokenRow.expires_at) > bindparam("now")),
)
_LIVE_TOKEN = select(
    ApiTokenRow.name, ApiTokenRow.role, ApiTokenRow.teams, ApiTokenRow.member
).where(_LIVE)


_TOKEN_AND_REVISION = (
    sql_select(  # six columns: more than sqlmodel's typed select takes
        col(TeamRow.version),
        col(TeamRow.incarnation),
        col(ApiTokenRow.name),
        col(ApiTokenRow.role),
        col(ApiTokenRow.teams),
        col(ApiTokenRow.member),
    )
    .select_from(TeamRow)
    .outerjoin(ApiTokenRow, _LIVE)
    .where(col(TeamRow.id) == bindparam("team"))
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
