"""Time off through the API and the CLI (SPEC section 4).

Time off belongs to a person and applies in every team of theirs. Adding it refills exactly the
future assignments it hits, fairly (a repair of `api.planning`: the scheduler chooses, the refill
counts as its holder's load, nothing else moves), in every team of that person, and answers who
was moved. Periods that have begun never change by themselves: the answer lists the person's
stretches there, for a lead to cover with an override.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api import repositories
from api.adjustments.common import Snapshot, member_field
from api.concurrency import check_if_match, lock_person_teams
from api.instants import span
from api.planning import refresh_plan
from api.principals import Principal, check_may_act_for, check_may_act_for_self
from api.repositories import audit
from api.schemas.adjustments import (
    TimeOffChanged,
    TimeOffCreate,
    TimeOffImported,
    TimeOffPublic,
)
from rotation import Budget, TimeOff
from rotation.availability import subtract_spans
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
    teams = lock_person_teams(session, team_id, body.member)
    member_field(session, team_id, "member", body.member)
    team = repositories.get_team(session, team_id)
    start, end = span(team, body.start, body.end)
    _check_free(session, body.member, start, end)
    _check_not_overridden(session, body.member, start, end)
    snapshot = Snapshot(session, teams, now)
    [row] = repositories.add_time_off(
        session, team_id, [TimeOff(body.member, start, end, body.reason)], "api", now
    )
    for affected in teams:
        refresh_plan(session, affected, now, budget=budget)
    answer = TimeOffChanged(
        **TimeOffPublic.of(row).model_dump(),
        changed=snapshot.changes(),
        still_on_duty=snapshot.on_duty(body.member, start, end),
    )
    for logged in _logged_teams(team_id, answer):
        audit.record_change(
            session, now, principal.name, "time_off.create", logged, None, answer, body.reason
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
        check_may_act_for_self(principal)
    # A member may remove their own time off: find out whose it is first.
    person = repositories.get_time_off_row(session, team_id, time_off_id).person_id
    check_may_act_for(principal, team_id, person)
    # All the teams at once, in one order, like `add_time_off`: two writers never deadlock.
    teams = lock_person_teams(session, team_id, person)
    row = repositories.get_time_off_row(session, team_id, time_off_id)
    before = TimeOffPublic.of(row)
    check_if_match(if_match, before, "time off", time_off_id)
    if row.source == "file":
        raise NotOpen(
            "time off", time_off_id, "declared in a team file", "deleted here; edit the file"
        )
    snapshot = Snapshot(session, teams, now)
    repositories.delete_time_off(session, row)
    for affected in teams:
        refresh_plan(session, affected, now, budget=budget)
    answer = TimeOffChanged(**before.model_dump(), changed=snapshot.changes(), still_on_duty=[])
    for logged in _logged_teams(team_id, answer):
        audit.record_change(session, now, principal.name, "time_off.delete", logged, answer, None)
    return answer


def import_time_off(
    session: Session,
    team_id: str,
    member: str,
    entries: list[TimeOff],
    principal: Principal,
    now: datetime,
    budget: Budget | None = None,
) -> TimeOffImported:
    """Record time off read from a member's calendar, like `add_time_off` does one entry: what
    the person's time off already covers is skipped, the rest refills what it hits in every team
    of theirs. The caller commits."""
    check_may_act_for(principal, team_id, member)
    teams = lock_person_teams(session, team_id, member)
    repositories.get_member(session, team_id, member)
    known = [(t.start, t.end) for t in repositories.time_off_of(session, [member])]
    parts = [_uncovered(entry, known) for entry in entries]
    fresh = [part for pieces in parts for part in pieces]
    for part in fresh:
        _check_not_overridden(session, member, part.start, part.end)
    snapshot = Snapshot(session, teams, now)
    rows = repositories.add_time_off(session, team_id, fresh, "import", now)
    for affected in teams:
        refresh_plan(session, affected, now, budget=budget)
    answer = TimeOffImported(
        time_off=[TimeOffPublic.of(row) for row in rows],
        skipped=sum(1 for pieces in parts if not pieces),
        changed=snapshot.changes(),
        still_on_duty=[
            duty for part in fresh for duty in snapshot.on_duty(member, part.start, part.end)
        ],
    )
    if rows:  # an import that adds nothing changes nothing
        for logged in sorted({team_id, *(c.team for c in answer.changed)}):
            audit.record_change(
                session, now, principal.name, "time_off.import", logged, None, answer
            )
    return answer


def _uncovered(entry: TimeOff, known: list[tuple[datetime, datetime]]) -> list[TimeOff]:
    """The parts of `entry` that no span of `known` covers."""
    parts = subtract_spans(entry.start, entry.end, known)
    return [TimeOff(entry.member, a, b, entry.reason) for a, b in parts]


def _logged_teams(team_id: str, answer: TimeOffChanged) -> list[str]:
    """The teams whose audit log shows a time off: the one it was entered through, and every
    other team where it moved someone."""
    return [team_id, *sorted({c.team for c in answer.changed} - {team_id})]


def _check_free(session: Session, person_id: str, start: datetime, end: datetime) -> None:
    """One person's time off does not overlap."""
    overlapping = repositories.first_overlapping_time_off(session, person_id, start, end)
    if overlapping is not None:
        description = f"{overlapping.start.isoformat()} to {overlapping.end.isoformat()}"
        raise Overlaps("start", "time off", overlapping.id, description)


def _check_not_overridden(session: Session, person_id: str, start: datetime, end: datetime) -> None:
    """An override that puts the person on duty inside the time off must go first (time off
    would otherwise silently lose to it)."""
    covering = repositories.overrides_of_person(session, person_id, start, end)
    if covering:
        override = covering[0]
        raise Unavailable(
            "start",
            person_id,
            f"covers a {override.role} slot by override {override.id} from "
            f"{override.start.isoformat()} to {override.end.isoformat()}; delete that first",
        )
