"""Time off through the API and the CLI (SPEC section 4).

Time off belongs to a person and applies in every team of theirs. Adding it refills exactly the
future assignments it hits, fairly (a repair of `api.planning`: the scheduler chooses, the refill
counts as its holder's load, nothing else moves), in every team of that person, and answers who
was moved. Periods that have begun never change by themselves: the answer lists the person's
stretches there, for a lead to cover with an override.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api import audit, repository
from api.adjustments import store
from api.adjustments.common import Snapshot, lock_teams, member_field, span
from api.adjustments.schemas import TimeOffChanged, TimeOffCreate, TimeOffPublic
from api.auth import Principal, check_may_act_for
from api.concurrency import check_if_match
from api.planning import refresh_plan
from api.tables import TimeOffRow
from rotation import Budget
from rotation.errors import NotOpen, Overlaps, Unavailable


def add_time_off(
    session: Session,
    team_id: str,
    body: TimeOffCreate,
    principal: Principal,
    now: datetime,
    budget: Budget | None = None,
) -> TimeOffChanged:
    """Record time off for a member of `team_id` and refill what it hits. The caller commits."""
    check_may_act_for(principal, team_id, body.member)
    # Every team of the person may be refilled: lock them all at once, in one order.
    lock_teams(session, [team_id, *repository.teams_of(session, body.member)])
    member_field(session, team_id, "member", body.member)
    teams = repository.teams_of(session, body.member)
    team = repository.get_team(session, team_id)
    start, end = span(team, body.start, body.end)
    _check_free(session, body.member, start, end)
    snapshot = Snapshot(session, teams, now)
    row = TimeOffRow(
        person_id=body.member,
        team_id=team_id,
        start=start,
        end=end,
        reason=body.reason,
        source="api",
        created_at=now,
    )
    session.add(row)
    session.flush()
    for affected in teams:
        refresh_plan(session, affected, now, budget=budget)
    answer = TimeOffChanged(
        **TimeOffPublic.of(row).model_dump(),
        changed=snapshot.changes(),
        still_on_duty=snapshot.on_duty(body.member, start, end),
    )
    audit.record_change(
        session, now, principal.name, "time_off.create", team_id, None, answer, body.reason
    )
    return answer


def delete_time_off(
    session: Session,
    team_id: str,
    time_off_id: int,
    principal: Principal,
    now: datetime,
    if_match: str | None = None,
    budget: Budget | None = None,
) -> TimeOffChanged:
    """Remove a time off entered through the API; slots left uncovered because of it are filled
    again. Time off declared in a team file belongs to the file. The caller commits."""
    if not principal.may_write(team_id):
        # A member may remove their own time off: find out whose it is first.
        check_may_act_for(
            principal, team_id, store.get_time_off_row(session, team_id, time_off_id).person_id
        )
    lock_teams(session, [team_id])
    row = store.get_time_off_row(session, team_id, time_off_id)
    teams = repository.teams_of(session, row.person_id)
    lock_teams(session, teams)
    row = store.get_time_off_row(session, team_id, time_off_id)
    before = TimeOffPublic.of(row)
    check_if_match(if_match, before, "time off", time_off_id)
    if row.source == "file":
        raise NotOpen(
            "time off", time_off_id, "declared in a team file", "deleted here; edit the file"
        )
    snapshot = Snapshot(session, teams, now)
    session.delete(row)
    session.flush()
    for affected in teams:
        refresh_plan(session, affected, now, budget=budget)
    answer = TimeOffChanged(**before.model_dump(), changed=snapshot.changes(), still_on_duty=[])
    audit.record_change(session, now, principal.name, "time_off.delete", team_id, answer, None)
    return answer


def _check_free(session: Session, person_id: str, start: datetime, end: datetime) -> None:
    """One person's time off does not overlap, and an override that puts them on duty inside it
    must go first (time off would otherwise silently lose to it)."""
    overlapping = session.exec(
        select(TimeOffRow)
        .where(
            TimeOffRow.person_id == person_id,
            col(TimeOffRow.start) < end,
            col(TimeOffRow.end) > start,
        )
        .order_by(col(TimeOffRow.start))
    ).first()
    if overlapping is not None:
        description = f"{overlapping.start.isoformat()} to {overlapping.end.isoformat()}"
        raise Overlaps("start", "time off", overlapping.id, description)
    for override in store.overrides_of_person(session, person_id, start, end):
        raise Unavailable(
            "start",
            person_id,
            f"covers a {override.role} slot by override {override.id} from "
            f"{override.start.isoformat()} to {override.end.isoformat()}; delete that first",
        )
