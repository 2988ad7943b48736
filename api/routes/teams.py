"""Teams and their members. Every write refreshes the published plan and records an audit entry,
both in the transaction of the change."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel
from sqlmodel import Session

from api import audit, repository
from api.auth import Admin, Principal, Reader, Writer, check_may_write, get_app_settings
from api.clock import Clock, get_clock
from api.database import get_session
from api.planning import check_grid_change, refresh_plan
from api.reminders.preferences import check_leads
from api.schemas import MemberCreate, MemberPublic, MemberUpdate, TeamCreate, TeamPublic, TeamUpdate
from api.settings import Settings
from rotation import Member

router = APIRouter(prefix="/v1/teams", tags=["teams"])

SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


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
    _record(session, now, principal, "team.create", team.id, None, created)
    session.commit()
    return created


@router.get("/{team}", response_model=TeamPublic)
def get_team(team: str, session: SessionDep, _: Reader) -> TeamPublic:
    return TeamPublic.of(repository.get_team(session, team))


@router.patch("/{team}", response_model=TeamPublic)
def update_team(
    team: str,
    body: TeamUpdate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> TeamPublic:
    """Change a team. Its period grid (zone, period, handoff, start) is fixed once it started."""
    check_may_write(principal, team)
    now = clock.now()
    current = repository.get_team(session, team)
    updated = body.apply(current)
    if "leads" in body.model_fields_set:
        check_leads(updated, (m.id for m in repository.list_members(session, team)))
    check_grid_change(session, current, updated, now)
    repository.save_team(session, updated, now)
    session.flush()
    # Who is reminded how (leads, channels, lead times) changes nobody's share: no re-plan.
    reminders_only = replace(updated, notify=current.notify, leads=current.leads) == current
    refresh_plan(session, team, now, regenerate=not reminders_only, budget=settings.budget)
    after = TeamPublic.of(updated)
    _record(session, now, principal, "team.update", team, TeamPublic.of(current), after)
    session.commit()
    return after


@router.delete("/{team}", status_code=204)
def delete_team(team: str, session: SessionDep, clock: ClockDep, principal: Admin) -> Response:
    """Delete a team with its plan and memberships; the people stay (they may be in others).
    Its audit entries stay too."""
    before = TeamPublic.of(repository.get_team(session, team))
    repository.delete_team(session, team)
    _record(session, clock.now(), principal, "team.delete", team, before, None)
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
    repository.get_team_row(session, team)
    member = body.to_member()
    _check_may_change_person(session, principal, team, member)
    repository.save_member(session, team, member, create=True)
    session.flush()
    now = clock.now()
    refresh_plan(session, team, now, regenerate=True, budget=settings.budget)
    created = MemberPublic.of(member)
    _record(session, now, principal, "member.create", team, None, created)
    session.commit()
    return created


@router.get("/{team}/members/{member}", response_model=MemberPublic)
def get_member(team: str, member: str, session: SessionDep, _: Reader) -> MemberPublic:
    repository.get_team_row(session, team)
    return MemberPublic.of(repository.get_member(session, team, member))


@router.patch("/{team}/members/{member}", response_model=MemberPublic)
def update_member(
    team: str,
    member: str,
    body: MemberUpdate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> MemberPublic:
    check_may_write(principal, team)
    repository.get_team_row(session, team)
    current = repository.get_member(session, team, member)
    updated = body.apply(current)
    _check_may_change_person(session, principal, team, updated)
    repository.save_member(session, team, updated)
    session.flush()
    now = clock.now()
    refresh_plan(session, team, now, regenerate=True, budget=settings.budget)
    after = MemberPublic.of(updated)
    _record(session, now, principal, "member.update", team, MemberPublic.of(current), after)
    session.commit()
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
) -> Response:
    """Take a member off the team: their future turns are refilled, past ones stay."""
    check_may_write(principal, team)
    repository.get_team_row(session, team)
    before = MemberPublic.of(repository.get_member(session, team, member))
    repository.remove_member(session, team, member)
    current = repository.get_team(session, team)
    if member in current.leads:  # a lead who leaves the team leads it no more
        leads = tuple(lead for lead in current.leads if lead != member)
        repository.save_team(session, replace(current, leads=leads), clock.now())
    session.flush()
    now = clock.now()
    refresh_plan(session, team, now, regenerate=True, budget=settings.budget)
    _record(session, now, principal, "member.delete", team, before, None)
    session.commit()
    return Response(status_code=204)


def _record(
    session: Session,
    now: datetime,
    principal: Principal,
    action: str,
    team: str,
    before: BaseModel | None,
    after: BaseModel | None,
) -> None:
    audit.record(
        session,
        at=now,
        actor=principal.name,
        action=action,
        team_id=team,
        before=None if before is None else before.model_dump(mode="json"),
        after=None if after is None else after.model_dump(mode="json"),
    )
