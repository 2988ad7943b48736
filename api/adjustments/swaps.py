"""Swaps (SPEC section 4): two members of one role exchange two whole future turns.

One member asks (`pending`), the other accepts; then the swap is applied at once, or waits for a
lead's approval (`accepted`) where the team requires it. Applying exchanges the holders of the two
published assignments and marks them `swap`; regeneration keeps them. Every step checks again that
both turns are still held by the same people, lie in the future, and break no hard constraint:
otherwise it is a 409. A swap still open when its first turn starts has expired.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import HTTPException
from sqlmodel import Session

from api import instants, repositories
from api.adjustments.common import Snapshot, member_field
from api.concurrency import check_if_match, lock_teams
from api.planning import unavailability
from api.principals import Principal, check_may_act_for, check_may_act_for_self, check_may_write
from api.repositories import audit
from api.schemas.adjustments import (
    OPEN_STATUSES,
    ChangePublic,
    SwapChanged,
    SwapCreate,
    SwapPublic,
)
from api.tables import SwapRow
from rotation import Period, Role, Source, Team, period, period_at, require_in_range
from rotation.availability import Availability
from rotation.errors import InvalidReference, NotOpen, Overlaps, TouchesPast, Unavailable
from rotation.periods import wall_time_to_utc

_OTHER = {Role.DEVELOPER: Role.OPERATOR, Role.OPERATOR: Role.DEVELOPER}


def ask_swap(
    session: Session, team_id: str, body: SwapCreate, principal: Principal, now: datetime
) -> SwapChanged:
    """`body.from_member` offers their turn for `body.to_member`'s. The caller commits."""
    check_may_act_for(principal, team_id, body.from_member)
    lock_teams(session, [team_id])
    team = repositories.get_team(session, team_id)
    member_field(session, team_id, "from_member", body.from_member)
    member_field(session, team_id, "to_member", body.to_member)
    if body.from_member == body.to_member:
        raise InvalidReference("to_member", "a member cannot swap with themself")
    offered = _period(team, "from_period_start", body.from_period_start)
    wanted = _period(team, "to_period_start", body.to_period_start)
    if offered.index == wanted.index:
        raise InvalidReference("to_period_start", "both turns are in the same period")
    _check_swappable(
        session, team, body.role, body.from_member, offered, body.to_member, wanted, now
    )
    _check_no_open_swap(session, team_id, body.role, (offered.index, wanted.index), now)
    row = repositories.add_swap(
        session,
        team_id,
        body.role,
        (body.from_member, offered),
        (body.to_member, wanted),
        body.reason,
        principal.name,
        now,
    )
    answer = SwapChanged(**SwapPublic.of(row, now).model_dump(), changed=[])
    audit.record_change(
        session, now, principal.name, "swap.create", team_id, None, answer, body.reason
    )
    return answer


def accept_swap(
    session: Session,
    team_id: str,
    swap_id: int,
    principal: Principal,
    now: datetime,
    *,
    if_match: str | None = None,
    reason: str = "",
) -> SwapChanged:
    """The asked member accepts: the swap is applied, or waits for a lead where the team says so."""
    row, before = _open(session, team_id, swap_id, principal, now, if_match, ("pending",))
    check_may_act_for(principal, team_id, row.to_person_id)
    team = repositories.get_team(session, team_id)
    _check_row_swappable(session, team, row, now)
    if team.swap_approval:
        row.status = "accepted"
        changed = []
    else:
        changed = _apply(session, team, row, now)
        row.status = "applied"
    return _finish(session, row, before, changed, principal, now, "swap.accept", reason)


def approve_swap(
    session: Session,
    team_id: str,
    swap_id: int,
    principal: Principal,
    now: datetime,
    *,
    if_match: str | None = None,
    reason: str = "",
) -> SwapChanged:
    """A lead approves an accepted swap, which is then applied."""
    check_may_write(principal, team_id)
    row, before = _open(session, team_id, swap_id, principal, now, if_match, ("accepted",))
    team = repositories.get_team(session, team_id)
    _check_row_swappable(session, team, row, now)
    changed = _apply(session, team, row, now)
    row.status = "applied"
    return _finish(session, row, before, changed, principal, now, "swap.approve", reason)


def decline_swap(
    session: Session,
    team_id: str,
    swap_id: int,
    principal: Principal,
    now: datetime,
    *,
    if_match: str | None = None,
    reason: str = "",
) -> SwapChanged:
    """The asked member declines, the asking one withdraws, or a lead refuses an open swap."""
    row, before = _open(session, team_id, swap_id, principal, now, if_match, OPEN_STATUSES)
    if not (
        principal.may_act_for(team_id, row.to_person_id)
        or principal.may_act_for(team_id, row.from_person_id)
    ):
        raise HTTPException(403, "only the two members of a swap or a lead may decline it")
    row.status = "declined"
    return _finish(session, row, before, [], principal, now, "swap.decline", reason)


def _open(
    session: Session,
    team_id: str,
    swap_id: int,
    principal: Principal,
    now: datetime,
    if_match: str | None,
    statuses: tuple[str, ...],
) -> tuple[SwapRow, SwapPublic]:
    """Lock the team and return the swap, refused unless it is in one of `statuses` (and not
    expired) and matches `If-Match`."""
    # Tokens that may touch nothing of the team learn nothing of its swaps.
    if not principal.may_write(team_id):
        check_may_act_for_self(principal)
    lock_teams(session, [team_id])
    row = repositories.get_swap_row(session, team_id, swap_id)
    before = SwapPublic.of(row, now)
    check_if_match(if_match, before, "swap", swap_id)
    if before.status not in statuses:
        action = "approved" if statuses == ("accepted",) else "answered"
        raise NotOpen("swap", swap_id, before.status, action)
    return row, before


def _finish(
    session: Session,
    row: SwapRow,
    before: SwapPublic,
    changed: list[ChangePublic],
    principal: Principal,
    now: datetime,
    action: str,
    reason: str,
) -> SwapChanged:
    repositories.save_swap(session, row, now)
    answer = SwapChanged(**SwapPublic.of(row, now).model_dump(), changed=changed)
    audit.record_change(session, now, principal.name, action, row.team_id, before, answer, reason)
    return answer


def _period(team: Team, field: str, value: datetime | date) -> Period:
    """The period containing an instant; for a date, the one running at the handoff time of
    that day, so the date a period starts on names that period (not the one it ends)."""
    if isinstance(value, datetime):
        at = instants.instant(field, value, team)
    else:
        require_in_range(field, value)
        at = wall_time_to_utc(value, team.policy.handoff_time, team.policy.zone)
    found = period_at(team.policy, at)
    if found is None:
        raise InvalidReference(field, "lies before the team's first period")
    return found


def _check_row_swappable(session: Session, team: Team, row: SwapRow, now: datetime) -> None:
    offered = period(team.policy, row.from_period_index)
    wanted = period(team.policy, row.to_period_index)
    role = Role(row.role)
    _check_swappable(
        session, team, role, row.from_person_id, offered, row.to_person_id, wanted, now
    )


def _check_swappable(
    session: Session,
    team: Team,
    role: Role,
    giver: str,
    offered: Period,
    taker: str,
    wanted: Period,
    now: datetime,
) -> None:
    """Both turns lie ahead, are held by the two members now, and each member may take the
    other's turn: holds the role, is employed, is not on time off, and holds no other slot."""
    for field, turn in (("from_period_start", offered), ("to_period_start", wanted)):
        if turn.start <= now:
            raise TouchesPast(field, turn.start, "this turn has started; swaps move future turns")
    for field, holder, turn in (
        ("from_period_start", giver, offered),
        ("to_period_start", taker, wanted),
    ):
        row = repositories.assignment_row(session, team.id, role, turn.index)
        if row is None or row.person_id != holder:
            raise Unavailable(
                field,
                holder,
                f"does not hold the {role} slot of the period starting {turn.start.isoformat()}",
            )
    members = repositories.list_members(session, team.id)
    away = unavailability(session, team.id, [m.id for m in members])
    availability = Availability(members, away, team.policy.zone)
    for field, member, turn in (("from_member", giver, wanted), ("to_member", taker, offered)):
        if not availability.can_hold(member, role, turn):
            raise Unavailable(
                field,
                member,
                f"cannot take the {role} turn starting {turn.start.isoformat()}: not employed "
                "then, on time off, covering the other slot by an override, or without the role",
            )
        other = repositories.assignment_row(session, team.id, _OTHER[role], turn.index)
        if other is not None and other.person_id == member:
            raise Unavailable(
                field,
                member,
                f"holds the {other.role} slot of the period starting {turn.start.isoformat()}",
            )


def _check_no_open_swap(
    session: Session, team_id: str, role: Role, indices: tuple[int, int], now: datetime
) -> None:
    for other in repositories.swap_rows(session, team_id):
        if other.role != role.value or SwapPublic.of(other, now).status not in OPEN_STATUSES:
            continue
        if {other.from_period_index, other.to_period_index} & set(indices):
            raise Overlaps(
                "from_period_start",
                "swap",
                other.id,
                f"{other.from_person_id} and {other.to_person_id}, still open",
            )


def _apply(session: Session, team: Team, row: SwapRow, now: datetime) -> list[ChangePublic]:
    snapshot = Snapshot(session, [team.id], now)
    role = Role(row.role)
    for index, holder in (
        (row.from_period_index, row.to_person_id),
        (row.to_period_index, row.from_person_id),
    ):
        assignment = repositories.assignment_row(session, team.id, role, index)
        assert assignment is not None  # checked by _check_swappable under the team's lock
        repositories.hand_over(session, assignment, holder, Source.SWAP, now)
    return snapshot.changes()
