"""Teams and their members. Every write refreshes the published plan and records an audit entry,
both in the transaction of the change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import members, repositories
from api.auth import Admin, Reader, Writer
from api.concurrency import check_if_match, lock_team, with_etag
from api.planning import check_grid_change, refresh_plan
from api.principals import check_may_write
from api.reminders.planner import record_baseline
from api.reminders.preferences import check_leads
from api.repositories import audit
from api.routes.deps import ClockDep, IfMatch, SessionDep, SettingsDep
from api.schemas import (
    MemberChanged,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    TeamCreate,
    TeamPublic,
    TeamUpdate,
    Text,
)
from rotation.solver import planning_team

router = APIRouter(prefix="/v1/teams", tags=["teams"])


@router.get("", response_model=list[TeamPublic])
def list_teams(session: SessionDep, _: Reader) -> list[TeamPublic]:
    return [TeamPublic.of(team) for team in repositories.list_teams(session)]


@router.post("", response_model=TeamPublic, status_code=201)
def create_team(
    body: TeamCreate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Admin,
) -> TeamPublic:
    """Create a team; its plan is published at once (uncovered until it has members)."""
    team = check_leads(body.to_team(), [])
    now = clock.now()
    repositories.save_team(session, team, now, create=True)
    session.flush()
    refresh_plan(session, team.id, now, regenerate=True, budget=settings.budget)
    record_baseline(session, team, now)
    created = TeamPublic.of(team)
    audit.record_change(session, now, principal.name, "team.create", team.id, None, created)
    session.commit()
    return created


@router.get("/{team}", response_model=TeamPublic)
def get_team(team: str, session: SessionDep, _: Reader, response: Response) -> TeamPublic:
    found = TeamPublic.of(repositories.get_team(session, team))
    with_etag(response, found)
    return found


@router.patch("/{team}", response_model=TeamPublic)
def update_team(
    team: str,
    body: TeamUpdate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> TeamPublic:
    """Change a team. Its period grid (zone, period, handoff, start) is fixed once it started."""
    check_may_write(principal, team)
    lock_team(session, team)
    now = clock.now()
    current = repositories.get_team(session, team)
    check_if_match(if_match, TeamPublic.of(current), "team", team)
    updated = body.apply(current)
    if "leads" in body.model_fields_set:
        check_leads(updated, (m.id for m in repositories.list_members(session, team)))
    check_grid_change(session, current, updated, now)
    repositories.save_team(session, updated, now)
    session.flush()
    # A name, who is reminded how (leads, channels, lead times) or feed settings change
    # nobody's share: no re-plan.
    replan = planning_team(updated) != planning_team(current)
    refresh_plan(session, team, now, regenerate=replan, budget=settings.budget)
    after = TeamPublic.of(updated)
    audit.record_change(
        session, now, principal.name, "team.update", team, TeamPublic.of(current), after
    )
    session.commit()
    with_etag(response, after)
    return after


@router.delete("/{team}", status_code=204)
def delete_team(
    team: str, session: SessionDep, clock: ClockDep, principal: Admin, if_match: IfMatch = None
) -> Response:
    """Delete a team with its plan and memberships; the people stay (they may be in others),
    with the time off entered through this team that still applies in their other teams. Its
    audit entries stay too."""
    lock_team(session, team)
    before = TeamPublic.of(repositories.get_team(session, team))
    check_if_match(if_match, before, "team", team)
    repositories.rehome_time_off(session, team)
    repositories.delete_team(session, team)
    audit.record_change(session, clock.now(), principal.name, "team.delete", team, before, None)
    session.commit()
    return Response(status_code=204)


@router.get("/{team}/members", response_model=list[MemberPublic])
def list_members(team: str, session: SessionDep, _: Reader) -> list[MemberPublic]:
    repositories.get_team_row(session, team)
    return [MemberPublic.of(m) for m in repositories.list_members(session, team)]


@router.post("/{team}/members", response_model=MemberChanged, status_code=201)
def add_member(
    team: str,
    body: MemberCreate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> MemberChanged:
    """Add a member; future periods outside the frozen window are replanned to include them.
    The answer lists the assignments that moved."""
    answer = members.add_member(session, team, body, principal, clock.now(), settings.budget)
    session.commit()
    return answer


@router.get("/{team}/members/{member}", response_model=MemberPublic)
def get_member(
    team: str, member: str, session: SessionDep, _: Reader, response: Response
) -> MemberPublic:
    repositories.get_team_row(session, team)
    found = MemberPublic.of(repositories.get_member(session, team, member))
    with_etag(response, found)
    return found


@router.patch("/{team}/members/{member}", response_model=MemberChanged)
def update_member(
    team: str,
    member: str,
    body: MemberUpdate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> MemberChanged:
    """Change a member. New `joined` or `left` dates re-plan the team: a leaver's turns after
    they left are refilled, a joiner takes their fair share from the day they join. The answer
    lists the assignments that moved; its ETag is the member's."""
    answer = members.update_member(
        session, team, member, body, principal, clock.now(), settings.budget, if_match
    )
    session.commit()
    with_etag(response, MemberPublic(**answer.model_dump(exclude={"changed"})))
    return answer


@router.delete("/{team}/members/{member}", response_model=MemberChanged)
def remove_member(
    team: str,
    member: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
    if_match: IfMatch = None,
    reason: Annotated[Text, Query(max_length=500, description="Why, for the audit log.")] = "",
) -> MemberChanged:
    """Take a member off the team: their future turns are refilled, past ones stay. The answer
    is the member as they were, with the assignments that moved."""
    answer = members.remove_member(
        session, team, member, principal, clock.now(), settings.budget, if_match, reason
    )
    session.commit()
    return answer
