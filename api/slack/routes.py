"""A team's Slack settings (`GET/PUT /v1/teams/{team}/slack`) and its queue of Web API calls
(`GET /v1/teams/{team}/slack/jobs`), where failed syncs and posts show with their error."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import repositories
from api.auth import Reader, Writer
from api.concurrency import check_if_match, lock_team, with_etag
from api.principals import check_may_write
from api.repositories import audit
from api.repositories import slack as store
from api.repositories.reminders import Status
from api.routes.deps import ClockDep, IfMatch, SessionDep
from api.schemas.slack import (
    SlackJobPagePublic,
    SlackJobPublic,
    SlackSettingsPublic,
    SlackSettingsUpdate,
)
from rotation.slack_settings import check_slack_settings

router = APIRouter(tags=["slack"])

MAX_LIMIT = 500


@router.get("/v1/teams/{team}/slack", response_model=SlackSettingsPublic)
def get_slack_settings(
    team: str, session: SessionDep, _: Reader, response: Response
) -> SlackSettingsPublic:
    """The team's Slack settings: secrets as their `env:NAME` references."""
    repositories.get_team_row(session, team)
    answer = SlackSettingsPublic.of(team, store.get_settings(session, team))
    with_etag(response, answer)
    return answer


@router.put("/v1/teams/{team}/slack", response_model=SlackSettingsPublic)
def put_slack_settings(
    team: str,
    body: SlackSettingsUpdate,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> SlackSettingsPublic:
    """Replace the team's Slack settings (a lead of the team, or an admin). User groups and
    the channel follow from the next pass of the loop."""
    check_may_write(principal, team)
    lock_team(session, team)
    current = SlackSettingsPublic.of(team, store.get_settings(session, team))
    check_if_match(if_match, current, "slack settings", team)
    wanted = check_slack_settings(body.to_settings())
    now = clock.now()
    store.save_settings(session, team, wanted, now)
    after = SlackSettingsPublic.of(team, wanted)
    audit.record(
        session,
        at=now,
        actor=principal.name,
        action="team.slack",
        team_id=team,
        before=current.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    session.commit()
    with_etag(response, after)
    return after


@router.get("/v1/teams/{team}/slack/jobs", response_model=SlackJobPagePublic)
def list_slack_jobs(
    team: str,
    session: SessionDep,
    _: Reader,
    status: Annotated[Status | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> SlackJobPagePublic:
    """The team's user group syncs and handoff posts, newest first: pending, sending, sent,
    failed (with Slack's error), missed and cancelled (with the reason)."""
    repositories.get_team_row(session, team)
    found = store.list_jobs(session, team, status, limit + 1, before)
    page = found[:limit]
    return SlackJobPagePublic(
        jobs=[SlackJobPublic.of(job) for job in page],
        next=page[-1].id if len(found) > limit else None,
    )
