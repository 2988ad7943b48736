"""Safe concurrent edits: one writer per team at a time, and `ETag`/`If-Match` on resources.

Every write to a team (the team, its members, time off, overrides, swaps, its plan) starts with
`lock_team`, which bumps the team's `version` in an UPDATE. The UPDATE takes the team row's write
lock (a row lock on PostgreSQL, the database write lock on SQLite), so a second writer waits until
the first commits and then reads what the first wrote: no update is lost. A client that read a
resource passes its `ETag` back in `If-Match`; when the resource changed meanwhile the write is
refused with 412 instead of silently overwriting the other lead's change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from fastapi import Response
from pydantic import BaseModel
from sqlmodel import Session

from api import repositories
from rotation import UnknownTeam
from rotation.errors import StaleVersion
from rotation.teamfile import SLUG


def lock_team(session: Session, team_id: str) -> None:
    """Take the team's write lock for the rest of the transaction; `UnknownTeam` if none.

    Objects the session loaded before are expired, so every read after this sees the latest
    committed state."""
    if not SLUG.fullmatch(team_id):
        raise UnknownTeam(team_id)
    if not repositories.bump_version(session, team_id):
        raise UnknownTeam(team_id)
    session.expire_all()


def lock_teams(session: Session, team_ids: Iterable[str]) -> None:
    """Lock several teams, always in id order and all before any other write, so two writers
    that need some of the same teams never wait for each other in a circle (a deadlock)."""
    for team_id in sorted(set(team_ids)):
        lock_team(session, team_id)


def lock_person_teams(session: Session, team_id: str, person_id: str) -> list[str]:
    """Lock `team_id` and every team of `person_id` (a person's time off applies in all of
    them); return the person's teams. A team they joined while this waited is locked too."""
    locked = {team_id, *repositories.teams_of(session, person_id)}
    lock_teams(session, locked)
    teams = repositories.teams_of(session, person_id)
    lock_teams(session, set(teams) - locked)
    return teams


def etag(resource: BaseModel) -> str:
    """A strong ETag of what the API shows of a resource: it changes whenever that does."""
    digest = hashlib.sha256(resource.model_dump_json().encode()).hexdigest()
    return f'"{digest[:32]}"'


def check_if_match(
    if_match: str | None, current: BaseModel, kind: str, resource_id: object
) -> None:
    """Refuse the write (`StaleVersion`, 412) when `If-Match` names no current version.

    No header means the client does not ask for the check; `*` matches any existing resource.
    Weak tags never match: If-Match uses the strong comparison (RFC 9110, 13.1.1)."""
    if if_match is None:
        return
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" in tags or etag(current) in tags:
        return
    raise StaleVersion(kind, resource_id)


def with_etag(response: Response, resource: BaseModel) -> None:
    response.headers["ETag"] = etag(resource)
