"""Who is on support, and the resolved schedule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlmodel import Session

from api import repository, views
from api.auth import SupportReader, Writer, check_may_write
from api.clock import Clock, get_clock
from api.database import get_session
from api.planning import MAX_HORIZON, refresh_plan
from api.schemas import (
    AllOnSupportPublic,
    GeneratePublic,
    GenerateRequest,
    InstantOrDate,
    OnSupportPublic,
    SchedulePublic,
)
from rotation import WindowTooLong, require_aware

router = APIRouter(prefix="/v1", tags=["on support"])

SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
At = Annotated[
    AwareDatetime | None,
    Query(description="An instant with its offset (default now), e.g. 2027-03-01T10:00:00Z"),
]


@router.get("/on-support", response_model=AllOnSupportPublic)
def all_on_support(
    session: SessionDep, clock: ClockDep, _: SupportReader, at: At = None
) -> AllOnSupportPublic:
    """Every team's developer and operator at `at`."""
    moment = require_aware("at", at) if at else clock.now()
    return views.all_on_support_view(session, moment)


@router.get("/teams/{team}/on-support", response_model=OnSupportPublic)
def team_on_support(
    team: str, session: SessionDep, clock: ClockDep, _: SupportReader, at: At = None
) -> OnSupportPublic:
    """One team's developer and operator at `at`, their period and the next handoff."""
    found = repository.get_team(session, team)
    moment = require_aware("at", at) if at else clock.now()
    return views.on_support_view(session, found, moment)


@router.get("/teams/{team}/schedule", response_model=SchedulePublic)
def schedule(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    _: SupportReader,
    since: Annotated[
        InstantOrDate | None,
        Query(description="Instant with offset, or a date (midnight in the team's zone)"),
    ] = None,
    until: Annotated[InstantOrDate | None, Query(description="Default: four weeks on")] = None,
) -> SchedulePublic:
    """The resolved schedule in `[since, until)`: entries clipped to the window."""
    found = repository.get_team(session, team)
    start = views.instant("since", since, found) if since else clock.now()
    end = views.instant("until", until, found) if until else None
    return views.schedule_view(session, found, start, end)


@router.post("/teams/{team}/schedule/generate", response_model=GeneratePublic)
def generate(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    body: GenerateRequest | None = None,
) -> GeneratePublic:
    """Extend the plan to `until` (default: a year past now) and bring it up to date.

    Periods that started never change; the frozen window changes only where a holder became
    unavailable.
    """
    check_may_write(principal, team)
    found = repository.get_team(session, team)
    now = clock.now()
    reach = views.instant("until", body.until, found) if body and body.until else None
    if reach is not None and reach - now > MAX_HORIZON:
        raise WindowTooLong("until", "five years ahead")
    update = refresh_plan(session, team, now, reach)
    session.commit()
    return GeneratePublic(
        team=team,
        planned_until=repository.plan_end(session, team),
        added=update.added,
        changed=len(update.changed),
        forced=update.forced,
    )
