"""Who is on support, and the resolved schedule."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from api import instants, planning, published, repositories, views
from api.auth import Reader, SupportReader, TeamSupportReader, Writer
from api.concurrency import lock_team
from api.planning import MAX_HORIZON, refresh_plan
from api.principals import check_may_write
from api.routes.deps import ClockDep, PublishedDep, SessionDep, SettingsDep, published_of
from api.schemas import (
    AllOnSupportPublic,
    GeneratePublic,
    GenerateRequest,
    Instant,
    InstantOrDate,
    OnSupportPublic,
    SchedulePublic,
    SolvePublic,
)
from rotation import WindowTooLong, require_aware
from rotation.fairness import FairnessReport

router = APIRouter(prefix="/v1", tags=["on support"])

At = Annotated[
    Instant | None,
    Query(description="An instant with its offset (default now), e.g. 2027-03-01T10:00:00Z"),
]


@router.get("/on-support", response_model=AllOnSupportPublic)
def all_on_support(
    session: SessionDep,
    clock: ClockDep,
    cache: PublishedDep,
    reader: SupportReader,
    at: At = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Every team's developer and operator at `at`. The `ETag` covers who is on support, not
    the instant asked about: a client polling "now" gets 304 until a holder or handoff changes."""
    moment = require_aware("at", at) if at else clock.now()
    everyone = published.every_team(session, cache, moment, contacts=reader is not None)
    tag, body = _every_team_json(everyone, moment, published.instant_json(moment))
    if if_none_match is not None and tag in (t.strip() for t in if_none_match.split(",")):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body(), media_type="application/json", headers={"ETag": tag})


def _every_team_json(
    everyone: published.Roster | dict[str, published.Answer], at: datetime, when: bytes
) -> tuple[str, Callable[[], bytes]]:
    """The all-teams answer's ETag, and its body to build unless the client's copy is current:
    a kept roster's, or (some team's plan ends before `at`) each team's answer on its own."""
    if isinstance(everyone, published.Roster):
        roster = everyone
        return roster.tag, lambda: roster.json(when)
    teams = [_answer_json(team_id, answer, at, when) for team_id, answer in everyone.items()]
    digest = hashlib.sha256()
    for _, without_at in teams:
        digest.update(without_at)
    body = b'{"at":' + when + b',"teams":[' + b",".join(json for json, _ in teams) + b"]}"
    return f'"{digest.hexdigest()[:32]}"', lambda: body


def _answer_json(
    team_id: str, answer: published.Answer, at: datetime, when: bytes
) -> tuple[bytes, bytes]:
    """A team's answer as JSON, and what of it the ETag covers (all but the instant)."""
    if answer.standing is not None:
        return answer.standing.json(when), answer.standing.head + answer.standing.tail
    text = views.beyond_plan_answer(team_id, answer, at).model_dump_json().encode()
    return text, text.replace(when, b"")


@router.get("/teams/{team}/on-support", response_model=OnSupportPublic)
def team_on_support(
    team: str,
    request: Request,
    session: SessionDep,
    reader: TeamSupportReader,
    at: At = None,
) -> Response:
    """One team's developer and operator at `at`, their period and the next handoff."""
    # The most asked question takes the fewest dependencies: the clock's reading comes with
    # the reader, the cache from the app (each dependency costs more than its work here).
    asker = reader.read(session, team)  # a bad token is a 401 before anything else
    moment = require_aware("at", at) if at else reader.now
    standing = published.team_answer(
        session,
        published_of(request),
        team,
        moment,
        contacts=asker.principal is not None,
        revision=asker.revision,
    )
    return Response(standing.json(published.instant_json(moment)), media_type="application/json")


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
    found = repositories.get_team(session, team)
    start = instants.instant("since", since, found) if since else clock.now()
    end = instants.instant("until", until, found) if until else None
    return views.schedule_view(session, found, start, end)


@router.get("/teams/{team}/fairness", response_model=FairnessReport)
def fairness(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: Reader,
    since: Annotated[
        InstantOrDate | None,
        Query(description="Default: the start of the fairness window (the first period)"),
    ] = None,
    until: Annotated[
        InstantOrDate | None, Query(description="Default: the end of the plan")
    ] = None,
) -> FairnessReport:
    """The fairness report of SPEC section 3: per member and role, per role, and for the team.
    Every figure can be recomputed from `GET .../schedule` over the same window."""
    found = repositories.get_team(session, team)
    start = instants.instant("since", since, found) if since else None
    end = instants.instant("until", until, found) if until else None
    return views.fairness_view(session, found, start, end, clock.now(), settings.budget)


@router.post("/teams/{team}/schedule/generate", response_model=GeneratePublic)
def generate(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
    body: GenerateRequest | None = None,
) -> GeneratePublic:
    """Regenerate the plan after changes (or, with `regenerate: false`, only repair it) and
    extend it to `until` (default: a year past now). With `until` alone it only extends:
    periods already planned keep their holders and new ones are appended.

    Periods that started and the frozen window change only where a holder became unavailable;
    later ones change as little as the fairness goals allow. The change is audited.
    """
    check_may_write(principal, team)
    lock_team(session, team)
    request = body or GenerateRequest()
    found = repositories.get_team(session, team)
    now = clock.now()
    reach = instants.instant("until", request.until, found) if request.until else None
    if reach is not None and reach - now > MAX_HORIZON:
        raise WindowTooLong("until", "five years ahead")
    update = refresh_plan(
        session, team, now, reach, regenerate=request.regenerates, budget=settings.budget
    )
    answer = GeneratePublic(
        team=team,
        planned_until=repositories.plan_end(session, team),
        added=update.added,
        changed=len(update.changed),
        forced=update.forced,
        solve=SolvePublic.of(update.solve) if update.solve else None,
        balance_cost={
            role.value: round(cost, 4)
            for role, cost in (update.solve.stability_cost if update.solve else {}).items()
        },
    )
    planning.record_plan_update(
        session,
        at=now,
        actor=principal.name,
        team_id=team,
        update=update,
        regenerate=request.regenerates,
        reason=request.reason,
    )
    session.commit()
    return answer
