"""Overrides of a team: list, add, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import instants, repositories
from api.adjustments.overrides import add_override, delete_override
from api.auth import Reader, Writer
from api.concurrency import with_etag
from api.routes.deps import ClockDep, IfMatch, RowId, SessionDep
from api.schemas import InstantOrDate, Text
from api.schemas.adjustments import OverrideChanged, OverrideCreate, OverridePublic
from rotation import Role

router = APIRouter(prefix="/v1/teams/{team}/overrides", tags=["overrides"])


@router.get("", response_model=list[OverridePublic])
def list_overrides(
    team: str,
    session: SessionDep,
    _: Reader,
    role: Role | None = None,
    since: Annotated[InstantOrDate | None, Query(description="Only what ends after.")] = None,
    until: Annotated[InstantOrDate | None, Query(description="Only what starts before.")] = None,
) -> list[OverridePublic]:
    start, end = instants.window(repositories.get_team(session, team), since, until)
    rows = repositories.override_rows(session, team, role=role, since=start, until=end)
    return [OverridePublic.of(row) for row in rows]


@router.post("", response_model=OverrideChanged, status_code=201)
def create_override(
    team: str, body: OverrideCreate, session: SessionDep, clock: ClockDep, principal: Writer
) -> OverrideChanged:
    """Put a member in a slot for `[start, end)`, part of a period or several; `changed` lists
    the stretches that changed holder."""
    answer = add_override(session, team, body, principal, clock.now())
    session.commit()
    return answer


@router.get("/{override_id}", response_model=OverridePublic)
def get_override(
    team: str, override_id: RowId, session: SessionDep, _: Reader, response: Response
) -> OverridePublic:
    repositories.get_team_row(session, team)
    found = OverridePublic.of(repositories.get_override_row(session, team, override_id))
    with_etag(response, found)
    return found


@router.delete("/{override_id}", response_model=OverrideChanged)
def remove_override(
    team: str,
    override_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    if_match: IfMatch = None,
    force: Annotated[
        bool, Query(description="Admins: remove an override that is over or under way.")
    ] = False,
    reason: Annotated[Text, Query(max_length=500, description="Why, for the audit log.")] = "",
) -> OverrideChanged:
    """Cancel an override. One under way ends now; one that is over stays unless forced."""
    answer = delete_override(
        session,
        team,
        override_id,
        principal,
        clock.now(),
        force=force,
        if_match=if_match,
        reason=reason,
    )
    session.commit()
    return answer
