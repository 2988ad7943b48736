"""Time off of a team's members: list, add (refilling what it hits), remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import instants, repositories
from api.adjustments.time_off import add_time_off, delete_time_off
from api.auth import Reader, Writer
from api.concurrency import with_etag
from api.routes.deps import ClockDep, IfMatch, RowId, SessionDep, SettingsDep
from api.schemas import InstantOrDate, Slug
from api.schemas.adjustments import TimeOffChanged, TimeOffCreate, TimeOffPublic

router = APIRouter(prefix="/v1/teams/{team}/time-off", tags=["time off"])


@router.get("", response_model=list[TimeOffPublic])
def list_time_off(
    team: str,
    session: SessionDep,
    _: Reader,
    member: Annotated[Slug | None, Query(description="Only this member's.")] = None,
    since: Annotated[InstantOrDate | None, Query(description="Only what ends after.")] = None,
    until: Annotated[InstantOrDate | None, Query(description="Only what starts before.")] = None,
) -> list[TimeOffPublic]:
    """The time off of the team's members (whichever team it was entered through)."""
    start, end = instants.window(repositories.get_team(session, team), since, until)
    rows = repositories.time_off_rows(session, team, member=member, since=start, until=end)
    return [TimeOffPublic.of(row) for row in rows]


@router.post("", response_model=TimeOffChanged, status_code=201)
def create_time_off(
    team: str,
    body: TimeOffCreate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> TimeOffChanged:
    """Add time off; the future assignments it hits are refilled fairly, in every team of the
    member, and listed in `changed`. A member token may add its own."""
    answer = add_time_off(session, team, body, principal, clock.now(), settings.budget)
    session.commit()
    return answer


@router.get("/{time_off_id}", response_model=TimeOffPublic)
def get_time_off(
    team: str, time_off_id: RowId, session: SessionDep, _: Reader, response: Response
) -> TimeOffPublic:
    repositories.get_team_row(session, team)
    found = TimeOffPublic.of(repositories.get_time_off_row(session, team, time_off_id))
    with_etag(response, found)
    return found


@router.delete("/{time_off_id}", response_model=TimeOffChanged)
def remove_time_off(
    team: str,
    time_off_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
    if_match: IfMatch = None,
) -> TimeOffChanged:
    """Remove time off entered through the API; slots it had left uncovered are filled again."""
    answer = delete_time_off(
        session, team, time_off_id, principal, clock.now(), if_match, settings.budget
    )
    session.commit()
    return answer
