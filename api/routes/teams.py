"""Teams and their members. Every write refreshes the published plan and records an audit entry,
both in the transaction of the change."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, HTTPException, Response
from sqlmodel import Session

from api import audit, repository
from api.adjustments import store
from api.adjustments.overrides import fit_to_members
from api.auth import Admin, Principal, Reader, Writer, check_may_write
from api.concurrency import check_if_match, lock_team, lock_teams, with_etag
from api.planning import check_grid_change, refresh_plan
from api.reminders.preferences import check_leads
from api.routes.deps import ClockDep, IfMatch, SessionDep, SettingsDep
from api.schemas import MemberCreate, MemberPublic, MemberUpdate, TeamCreate, TeamPublic, TeamUpdate
from rotation import Member
from rotation.solver import planning_member, planning_team

router = APIRouter(prefix="/v1/teams", tags=["teams"])


@router.get("", response_model=list[TeamPublic])
def list_teams(session: SessionDep, _: Reader) -> list[TeamPublic]:
    return [TeamPublic.of(team) for team in repository.list_teams(session)]


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
    repository.save_team(session, team, now, create=True)
    session.flush()
    refresh_plan(session, team.id, now, regenerate=True, budget=settings.budget)
    created = TeamPublic.of(team)
    audit.record_change(session, now, principal.name, "team.create", team.id, None, created)
    session.commit()
    return created


@router.get("/{team}", response_model=TeamPublic)
def get_team(team: str, session: SessionDep, _: Reader, response: Response) -> TeamPublic:
    found = TeamPublic.of(repository.get_team(session, team))
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
    current = repository.get_team(session, team)
    check_if_match(if_match, TeamPublic.of(current), "team", team)
    updated = body.apply(current)
    if "leads" in body.model_fields_set:
        check_leads(updated, (m.id for m in repository.list_members(session, team)))
    check_grid_change(session, current, updated, now)
    repository.save_team(session, updated, now)
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
    before = TeamPublic.of(repository.get_team(session, team))
    check_if_match(if_match, before, "team", team)
    store.rehome_time_off(session, team)
    repository.delete_team(session, team)
    audit.record_change(session, clock.now(), principal.name, "team.delete", team, before, None)
    session.commit()
    return Response(status_code=204)


@router.get("/{team}/members", response_model=list[MemberPublic])
def list_members(team: str, session: SessionDep, _: Reader) -> list[MemberPublic]:
    repository.get_team_row(session, team)
    return [MemberPublic.of(m) for m in repository.list_members(session, team)]


@router.post("/{team}/members", response_model=MemberPublic, status_code=201)
def add_member(
    team: str,
    body: MemberCreate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> MemberPublic:
    """Add a member; future periods outside the frozen window are replanned to include them."""
    check_may_write(principal, team)
    # The person's details are shared by all their teams: lock those too.
    lock_teams(session, [team, *repository.teams_of(session, body.id)])
    member = body.to_member()
    _check_may_change_person(session, principal, team, member)
    repository.save_member(session, team, member, create=True)
    session.flush()
    now = clock.now()
    refresh_plan(session, team, now, regenerate=True, budget=settings.budget)
    created = MemberPublic.of(member)
    audit.record_change(session, now, principal.name, "member.create", team, None, created)
    session.commit()
    return created


@router.get("/{team}/members/{member}", response_model=MemberPublic)
def get_member(
    team: str, member: str, session: SessionDep, _: Reader, response: Response
) -> MemberPublic:
    repository.get_team_row(session, team)
    found = MemberPublic.of(repository.get_member(session, team, member))
    with_etag(response, found)
    return found


@router.patch("/{team}/members/{member}", response_model=MemberPublic)
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
) -> MemberPublic:
    """Change a member. New `joined` or `left` dates re-plan the team: a leaver's turns after
    they left are refilled, a joiner takes their fair share from the day they join."""
    check_may_write(principal, team)
    # The person's details are shared by all their teams: lock those too.
    lock_teams(session, [team, *repository.teams_of(session, member)])
    current = repository.get_member(session, team, member)
    check_if_match(if_match, MemberPublic.of(current), "member", member)
    updated = body.apply(current)
    _check_may_change_person(session, principal, team, updated)
    repository.save_member(session, team, updated)
    session.flush()
    now = clock.now()
    fit_to_members(session, team, now, principal.name)
    # Contact details (name, email, chat, zone) change nobody's turns: only repair.
    replan = planning_member(updated) != planning_member(current)
    refresh_plan(session, team, now, regenerate=replan, budget=settings.budget)
    after = MemberPublic.of(updated)
    audit.record_change(
        session, now, principal.name, "member.update", team, MemberPublic.of(current), after
    )
    session.commit()
    with_etag(response, after)
    return after


def _check_may_change_person(
    session: Session, principal: Principal, team: str, member: Member
) -> None:
    """A person is one across teams: only a token that may write all of their teams may change
    their name, email, chat or zone (a lead of one team must not rename someone in another)."""
    known = repository.people(session, [member.id]).get(member.id)
    details = (member.name, member.email, member.chat, member.timezone)
    if known is None or (known.name, known.email, known.chat, known.timezone) == details:
        return
    if any(
        not principal.may_write(t) for t in repository.teams_of(session, member.id) if t != team
    ):
        raise HTTPException(
            409,
            f"member {member.id!r} is also on a team this token may not change: give their "
            "current name, email, chat and timezone, or ask a lead of all their teams",
        )


@router.delete("/{team}/members/{member}", status_code=204)
def remove_member(
    team: str,
    member: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
    if_match: IfMatch = None,
) -> Response:
    """Take a member off the team: their future turns are refilled, past ones stay."""
    check_may_write(principal, team)
    lock_team(session, team)
    before = MemberPublic.of(repository.get_member(session, team, member))
    check_if_match(if_match, before, "member", member)
    repository.remove_member(session, team, member)
    current = repository.get_team(session, team)
    if member in current.leads:  # a lead who leaves the team leads it no more
        leads = tuple(lead for lead in current.leads if lead != member)
        repository.save_team(session, replace(current, leads=leads), clock.now())
    session.flush()
    now = clock.now()
    fit_to_members(session, team, now, principal.name)
    refresh_plan(session, team, now, regenerate=True, budget=settings.budget)
    audit.record_change(session, now, principal.name, "member.delete", team, before, None)
    session.commit()
    return Response(status_code=204)
