"""`POST /v1/teams/{team}/members/{member}/time-off/import`: a member's time off from an
uploaded iCalendar file (`rotation.ics_import`), the plan repaired in the same transaction.

The body is the raw `.ics` (`Content-Type: text/calendar`), at most `MAX_BYTES`. Events are
read from now to `IMPORT_AHEAD` later. An imported entry that existing time off of the person
already covers is skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from api import audit, repository
from api.auth import Writer, check_may_write, get_app_settings
from api.clock import Clock, get_clock
from api.database import get_session
from api.planning import Change, refresh_plan
from api.settings import Settings
from rotation import Role, TimeOff
from rotation.ics_import import time_off_from_ics

MAX_BYTES = 1024 * 1024
IMPORT_AHEAD = timedelta(days=731)
CALENDAR_TYPES = {"text/calendar", "application/ics"}


class ImportedTimeOffPublic(BaseModel):
    id: int
    member: str
    start: datetime
    end: datetime
    reason: str


class ChangedSlotPublic(BaseModel):
    team: str
    role: Role
    period_start: datetime
    period_end: datetime
    before: str | None
    after: str | None


class TimeOffImportPublic(BaseModel):
    time_off: list[ImportedTimeOffPublic] = Field(description="The entries created.")
    skipped: int = Field(description="Entries that existing time off already covered.")
    changed: list[ChangedSlotPublic] = Field(
        description="Published slots whose holder changed, in every team of the member."
    )


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
    response_model=TimeOffImportPublic,
    status_code=201,
    openapi_extra={"requestBody": {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def import_time_off(
    team: str,
    member: str,
    data: Annotated[bytes, Depends(calendar_body)],
    session: Annotated[Session, Depends(get_session)],
    clock: Annotated[Clock, Depends(get_clock)],
    settings: Annotated[Settings, Depends(get_app_settings)],
    principal: Writer,
) -> TimeOffImportPublic:
    """Busy and out-of-office events of the calendar become the member's time off (all-day
    events as whole days in the team's zone); the plan of each of their teams is repaired."""
    check_may_write(principal, team)
    found = repository.get_team(session, team)
    repository.get_member(session, team, member)
    now = clock.now()
    imported = time_off_from_ics(data, member, found.policy.zone, now, now + IMPORT_AHEAD)
    known = repository.time_off_of(session, [member])
    fresh = [entry for entry in imported if not _covered(entry, known)]
    created = repository.add_time_off(session, team, fresh, now, source="import")
    session.flush()
    changed: list[ChangedSlotPublic] = []
    for team_id in repository.teams_of(session, member):
        update = refresh_plan(session, team_id, now, budget=settings.budget)
        changed += [_changed(team_id, change) for change in update.changed]
        if team_id != team and update.changed:
            audit.record_plan_update(
                session,
                at=now,
                actor=principal.name,
                team_id=team_id,
                update=update,
                regenerate=False,
                reason=f"time off of {member} imported through {team}",
            )
    answer = TimeOffImportPublic(
        time_off=[
            ImportedTimeOffPublic(
                id=entry_id, member=member, start=entry.start, end=entry.end, reason=entry.reason
            )
            for entry_id, entry in created
        ],
        skipped=len(imported) - len(fresh),
        changed=changed,
    )
    audit.record(
        session,
        at=now,
        actor=principal.name,
        action="time-off.import",
        team_id=team,
        after=answer.model_dump(mode="json"),
    )
    session.commit()
    return answer


def _covered(entry: TimeOff, known: list[TimeOff]) -> bool:
    return any(k.start <= entry.start and entry.end <= k.end for k in known)


def _changed(team_id: str, change: Change) -> ChangedSlotPublic:
    return ChangedSlotPublic(
        team=team_id,
        role=change.role,
        period_start=change.period_start,
        period_end=change.period_end,
        before=change.before,
        after=change.after,
    )
