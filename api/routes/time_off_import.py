"""`POST /v1/teams/{team}/members/{member}/time-off/import`: a member's time off from an
uploaded iCalendar file (`rotation.ics_import`), recorded like any time off
(`api.adjustments.time_off.import_time_off`).

The body is the raw `.ics` (`Content-Type: text/calendar`), at most `MAX_BYTES`. Events are
read from now to `IMPORT_AHEAD` later. What the person's time off already covers is skipped, so
importing the same file twice adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from api import repositories
from api.adjustments.time_off import import_time_off
from api.auth import Writer
from api.principals import check_may_act_for
from api.routes.deps import ClockDep, SessionDep, SettingsDep
from api.schemas.adjustments import TimeOffImported
from rotation.ics_import import time_off_from_ics

MAX_BYTES = 1024 * 1024
IMPORT_AHEAD = timedelta(days=731)
CALENDAR_TYPES = {"text/calendar", "application/ics"}


async def calendar_body(request: Request) -> bytes:
    """The request's body, if it is a calendar of at most `MAX_BYTES`."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in CALENDAR_TYPES:
        raise HTTPException(415, "send the calendar as the body, with Content-Type text/calendar")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise HTTPException(413, f"the calendar may be at most {MAX_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            raise HTTPException(413, f"the calendar may be at most {MAX_BYTES} bytes")
    return bytes(body)


router = APIRouter(prefix="/v1/teams", tags=["time off"])


@router.post(
    "/{team}/members/{member}/time-off/import",
    response_model=TimeOffImported,
    status_code=201,
    openapi_extra={"requestBody": {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def import_calendar(
    team: str,
    member: str,
    data: Annotated[bytes, Depends(calendar_body)],
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> TimeOffImported:
    """Busy and out-of-office events of the calendar become the member's time off (all-day
    events as whole days in the team's zone); what it hits is refilled in each of their teams.
    A member token may import its own calendar."""
    check_may_act_for(principal, team, member)
    found = repositories.get_team(session, team)
    repositories.get_member(session, team, member)
    now = clock.now()
    entries = time_off_from_ics(data, member, found.policy.zone, now, now + IMPORT_AHEAD)
    answer = import_time_off(session, team, member, entries, principal, now, settings.budget)
    session.commit()
    return answer
