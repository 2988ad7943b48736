"""Member writes (join, change, leave), shared by the HTTP routes: each locks what it touches,
refreshes the plan, answers the assignments that moved and records why in the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from fastapi import HTTPException
from sqlmodel import Session

from api import repositories
from api.adjustments.common import Snapshot
from api.adjustments.overrides import fit_to_members
from api.concurrency import check_if_match, lock_team, lock_teams
from api.planning import refresh_plan
from api.principals import Principal, check_may_write
from api.repositories import audit
from api.schemas import MemberChanged, MemberCreate, MemberPublic, MemberUpdate
from rotation import Budget, Member


def add_member(
    session: Session,
    team: str,
    body: MemberCreate,
    principal: Principal,
    now: datetime,
    budget: Budget | None,
) -> MemberChanged:
    """Add a member; future periods outside the frozen window are replanned to include them."""
    check_may_write(principal, team)
    # The person's details are shared by all their teams: lock those too.
    lock_teams(session, [team, *repositories.teams_of(session, body.id)])
    member = body.to_member()
    check_may_change_person(session, principal, team, member)
    snapshot = Snapshot(session, [team], now)
    repositories.save_member(session, team, member, create=True)
    session.flush()
    refresh_plan(session, team, now, regenerate=True, budget=budget)
    created = MemberPublic.of(member)
    reason = body.reason or membership_reason(None, member)
    audit.record_change(session, now, principal.name, "member.create", team, None, created, reason)
    return MemberChanged(**created.model_dump(), changed=snapshot.changes())


def update_member(
    session: Session,
    team: str,
    member_id: str,
    body: MemberUpdate,
    principal: Principal,
    now: datetime,
    budget: Budget | None,
    if_match: str | None,
) -> MemberChanged:
    """Change a member. New `joined` or `left` dates re-plan the team: a leaver's turns after
    they left are refilled, a joiner takes their fair share from the day they join."""
    check_may_write(principal, team)
    lock_teams(session, [team, *repositories.teams_of(session, member_id)])
    current = repositories.get_member(session, team, member_id)
    check_if_match(if_match, MemberPublic.of(current), "member", member_id)
    updated = body.apply(current)
    check_may_change_person(session, principal, team, updated)
    snapshot = Snapshot(session, [team], now)
    repositories.save_member(session, team, updated)
    session.flush()
    fit_to_members(session, team, now, principal.name)
    # A new name, email, chat or zone changes nobody's share: repair and extend only.
    refresh_plan(
        session, team, now, regenerate=_serves_differently(current, updated), budget=budget
    )
    before, after = MemberPublic.of(current), MemberPublic.of(updated)
    reason = body.reason or membership_reason(current, updated)
    audit.record_change(session, now, principal.name, "member.update", team, before, after, reason)
    return MemberChanged(**after.model_dump(), changed=snapshot.changes())


def remove_member(
    session: Session,
    team: str,
    member_id: str,
    principal: Principal,
    now: datetime,
    budget: Budget | None,
    if_match: str | None,
    reason: str = "",
) -> MemberChanged:
    """Take a member off the team: their future turns are refilled, past ones stay."""
    check_may_write(principal, team)
    lock_team(session, team)
    member = repositories.get_member(session, team, member_id)
    before = MemberPublic.of(member)
    check_if_match(if_match, before, "member", member_id)
    snapshot = Snapshot(session, [team], now)
    repositories.remove_member(session, team, member_id)
    current = repositories.get_team(session, team)
    if member_id in current.leads:  # a lead who leaves the team leads it no more
        leads = tuple(lead for lead in current.leads if lead != member_id)
        repositories.save_team(session, replace(current, leads=leads), now)
    session.flush()
    fit_to_members(session, team, now, principal.name)
    refresh_plan(session, team, now, regenerate=True, budget=budget)
    reason = reason or membership_reason(member, None)
    audit.record_change(session, now, principal.name, "member.delete", team, before, None, reason)
    return MemberChanged(**before.model_dump(), changed=snapshot.changes())


def check_may_change_person(
    session: Session, principal: Principal, team: str, member: Member
) -> None:
    """A person is one across teams: only a token that may write all of their teams may change
    their name, email, chat or zone (a lead of one team must not rename someone in another)."""
    known = repositories.people(session, [member.id]).get(member.id)
    details = (member.name, member.email, member.chat, member.timezone)
    if known is None or (known.name, known.email, known.chat, known.timezone) == details:
        return
    if any(
        not principal.may_write(t) for t in repositories.teams_of(session, member.id) if t != team
    ):
        raise HTTPException(
            409,
            f"member {member.id!r} is also on a team this token may not change: give their "
            "current name, email, chat and timezone, or ask a lead of all their teams",
        )


def membership_reason(before: Member | None, after: Member | None) -> str:
    """What a change did to someone's membership, in words, for the audit log when the writer
    gave no reason: joins, leaves, is removed, changes role or weight."""
    if before is None and after is not None:
        return f"{after.id} joins{_on(after.joined)}"
    if after is None and before is not None:
        return f"{before.id} is removed from the team"
    assert before is not None
    assert after is not None
    said = []
    if after.joined != before.joined:
        said.append(f"joins{_on(after.joined)}" if after.joined else "joined date cleared")
    if after.left != before.left:
        said.append(f"leaves{_on(after.left)}" if after.left else "no longer leaves")
    if after.roles != before.roles:
        said.append("roles now " + ", ".join(sorted(after.roles)))
    if after.weight != before.weight:
        said.append(f"weight {before.weight:g} to {after.weight:g}")
    return f"{after.id} " + "; ".join(said) if said else ""


def membership_changes(before: Iterable[Member], after: Iterable[Member]) -> str:
    """`membership_reason` for every member a team file load added, changed or removed."""
    old = {m.id: m for m in before}
    new = {m.id: m for m in after}
    said = [
        membership_reason(old.get(member_id), new.get(member_id))
        for member_id in sorted(old.keys() | new.keys())
    ]
    return "; ".join(s for s in said if s)


def _on(day: date | None) -> str:
    return f" on {day.isoformat()}" if day else ""


def _serves_differently(before: Member, after: Member) -> bool:
    """Whether a change touches who may serve when: roles, weight, joined, left."""
    return (before.roles, before.weight, before.joined, before.left) != (
        after.roles,
        after.weight,
        after.joined,
        after.left,
    )
