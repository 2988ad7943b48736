"""Overrides (SPEC section 4): for `[start, end)`, a named member holds a slot instead of whoever
the rotation put there. The plan itself does not change: overrides are applied when the schedule
is resolved, so the replaced member keeps the parts of their turn outside the override.

The replacement must belong to the team, hold the role, be employed throughout, not be on time
off, and not hold the team's other slot at the same time. Overrides of one slot never overlap.
Only an admin may write the past (a correction), with `force`.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import HTTPException
from sqlmodel import Session

from api import repositories, views
from api.adjustments.common import Snapshot, member_field
from api.concurrency import check_if_match, lock_teams
from api.instants import span
from api.principals import Principal, check_may_write
from api.repositories import audit
from api.schemas.adjustments import OverrideChanged, OverrideCreate, OverridePublic
from rotation import Override, Team
from rotation.availability import Availability, employment
from rotation.errors import InvalidReference, Overlaps, TouchesPast, Unavailable


def add_override(
    session: Session, team_id: str, body: OverrideCreate, principal: Principal, now: datetime
) -> OverrideChanged:
    """Put `body.member` in the `body.role` slot for the override's span. The caller commits."""
    check_may_write(principal, team_id)
    _check_force(principal, body.force)
    lock_teams(session, [team_id])
    team = repositories.get_team(session, team_id)
    start, end = span(team, body.start if body.start is not None else now, body.end)
    if start < now and not body.force:
        raise TouchesPast(
            "start", start, "is in the past; an admin may correct the past with force: true"
        )
    member_field(session, team_id, "member", body.member)
    _check_replacement(session, team, body, start, end)
    snapshot = Snapshot(session, [team_id], min(start, now))
    wanted = Override(body.role, body.member, start, end, reason=body.reason)
    row = repositories.add_override(session, team_id, wanted, principal.name, now)
    answer = OverrideChanged(**OverridePublic.of(row).model_dump(), changed=snapshot.changes())
    audit.record_change(
        session, now, principal.name, "override.create", team_id, None, answer, body.reason
    )
    return answer


def delete_override(
    session: Session,
    team_id: str,
    override_id: int,
    principal: Principal,
    now: datetime,
    *,
    force: bool = False,
    if_match: str | None = None,
    reason: str = "",
) -> OverrideChanged:
    """Cancel an override. One that is under way ends now (what happened stays true); one that
    has ended can only be removed by an admin with `force`. The caller commits."""
    check_may_write(principal, team_id)
    _check_force(principal, force)
    lock_teams(session, [team_id])
    row = repositories.get_override_row(session, team_id, override_id)
    before = OverridePublic.of(row)
    check_if_match(if_match, before, "override", override_id)
    if row.end <= now and not force:
        raise TouchesPast(
            "end", row.end, "this override is over; an admin may remove it with force"
        )
    snapshot = Snapshot(session, [team_id], min(row.start, now))
    if row.start < now and not force:
        repositories.reshape_override(session, row, row.start, now)
        after: OverridePublic | None = OverridePublic.of(row)
        action = "override.end"
    else:
        repositories.delete_override(session, row)
        after = None
        action = "override.delete"
    answer = OverrideChanged(**(after or before).model_dump(), changed=snapshot.changes())
    audit.record_change(
        session, now, principal.name, action, team_id, before, answer if after else None, reason
    )
    return answer


def _check_force(principal: Principal, force: bool) -> None:
    if force and not principal.is_admin:
        raise HTTPException(403, "only an admin token may force a change to the past")


def _check_replacement(
    session: Session, team: Team, body: OverrideCreate, start: datetime, end: datetime
) -> None:
    member = repositories.get_member(session, team.id, body.member)
    if body.role not in member.roles:
        raise InvalidReference("role", f"{member.id!r} does not hold the {body.role} role")
    time_off = repositories.time_off_of(session, [member.id])
    availability = Availability([member], time_off, team.policy.zone)
    if not availability.employed_through(member.id, start, end):
        raise Unavailable("member", member.id, "is not employed by the team throughout")
    for away in time_off:
        if away.overlaps(start, end):
            raise Unavailable(
                "member",
                member.id,
                f"is on time off from {away.start.isoformat()} to {away.end.isoformat()}",
            )
    overlapping = repositories.override_rows(
        session, team.id, role=body.role, since=start, until=end
    )
    if overlapping:
        other = overlapping[0]
        raise Overlaps(
            "start",
            "override",
            other.id,
            f"{other.person_id} from {other.start.isoformat()} to {other.end.isoformat()}",
        )
    # Nobody holds both slots at once: the replacement must not hold the other one meanwhile.
    plan_end = repositories.plan_end(session, team.id)
    if plan_end is not None and start < plan_end:
        for entry in views.resolved_entries(session, team, start, min(end, plan_end)):
            if entry.member == member.id and entry.role != body.role:
                raise Unavailable(
                    "member",
                    member.id,
                    f"holds the {entry.role} slot from {entry.start.isoformat()} to "
                    f"{entry.end.isoformat()}; nobody holds both slots at once",
                )


def fit_to_members(session: Session, team_id: str, now: datetime, actor: str) -> None:
    """Overrides follow membership. After a member leaves the team, or their `joined`/`left`
    change, the future part of their overrides that falls outside their employment goes (what
    already happened stays true) and the log says so. Call it under the team's lock, before the
    plan is refreshed."""
    team = repositories.get_team(session, team_id)
    members = {m.id: m for m in repositories.list_members(session, team_id)}
    for row in repositories.override_rows(session, team_id, since=now):
        member = members.get(row.person_id)
        first, last = (now, now) if member is None else employment(member, team.policy.zone)
        start, end = row.start, row.end
        if start >= now and first is not None:
            start = max(start, first)
        if last is not None:
            end = min(end, max(last, now))
        if (start, end) == (row.start, row.end):
            continue
        before = OverridePublic.of(row)
        reason = "its member is no longer on the team then"
        repositories.reshape_override(session, row, start, end)
        if end <= start:
            audit.record_change(
                session, now, actor, "override.delete", team_id, before, None, reason
            )
            continue
        after = OverridePublic.of(row)
        audit.record_change(session, now, actor, "override.trim", team_id, before, after, reason)
    session.flush()
