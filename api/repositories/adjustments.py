"""Overrides and swaps, each belonging to one team."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from api.tables import AssignmentRow, MemberRow, OverrideRow, SwapRow
from rotation import Override, Period, Role, UnknownMember
from rotation.errors import UnknownResource
from rotation.teamfile import SLUG

# Overrides


def override_of_row(row: OverrideRow) -> Override:
    return Override(Role(row.role), row.person_id, row.start, row.end, row.id, row.reason)


def override_rows(
    session: Session,
    team_id: str,
    *,
    role: Role | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[OverrideRow]:
    """The team's overrides overlapping `[since, until)`, in start order."""
    query = select(OverrideRow).where(OverrideRow.team_id == team_id)
    if role is not None:
        query = query.where(OverrideRow.role == role.value)
    if until is not None:
        query = query.where(col(OverrideRow.start) < until)
    if since is not None:
        query = query.where(col(OverrideRow.end) > since)
    return list(session.exec(query.order_by(col(OverrideRow.start), col(OverrideRow.id))))


def overrides(
    session: Session, team_id: str, since: datetime | None = None, until: datetime | None = None
) -> list[Override]:
    return [override_of_row(r) for r in override_rows(session, team_id, since=since, until=until)]


def overrides_of_teams(
    session: Session, team_ids: Collection[str], since: datetime, until: datetime
) -> dict[str, list[Override]]:
    """Each of `team_ids`' overrides overlapping `[since, until)`, in one statement."""
    query = select(OverrideRow).where(
        col(OverrideRow.team_id).in_(list(team_ids)),
        col(OverrideRow.start) < until,
        col(OverrideRow.end) > since,
    )
    found: dict[str, list[Override]] = {team: [] for team in team_ids}
    for row in session.exec(query.order_by(col(OverrideRow.start), col(OverrideRow.id))):
        found[row.team_id].append(override_of_row(row))
    return found


def overrides_of_person(
    session: Session, person_id: str, since: datetime, until: datetime
) -> list[OverrideRow]:
    """Every override, in any team, that puts `person_id` on duty within `[since, until)`."""
    query = select(OverrideRow).where(
        OverrideRow.person_id == person_id,
        col(OverrideRow.start) < until,
        col(OverrideRow.end) > since,
    )
    return list(session.exec(query.order_by(col(OverrideRow.start))))


def get_override_row(session: Session, team_id: str, override_id: int) -> OverrideRow:
    row = session.get(OverrideRow, override_id)
    if row is None or row.team_id != team_id:
        raise UnknownResource("override", override_id, team_id)
    return row


# Swaps


def swap_rows(session: Session, team_id: str, status: str | None = None) -> list[SwapRow]:
    query = select(SwapRow).where(SwapRow.team_id == team_id)
    if status is not None:
        query = query.where(SwapRow.status == status)
    return list(session.exec(query.order_by(col(SwapRow.id))))


def get_swap_row(session: Session, team_id: str, swap_id: int) -> SwapRow:
    row = session.get(SwapRow, swap_id)
    if row is None or row.team_id != team_id:
        raise UnknownResource("swap", swap_id, team_id)
    return row


def assignment_row(
    session: Session, team_id: str, role: Role, period_index: int
) -> AssignmentRow | None:
    """The team's published assignment of `role` in period `period_index`, if planned."""
    query = select(AssignmentRow).where(
        AssignmentRow.team_id == team_id,
        AssignmentRow.role == role.value,
        AssignmentRow.period_index == period_index,
    )
    return session.exec(query).first()


def check_member_of(session: Session, team_id: str, person_id: str) -> None:
    """`UnknownMember` unless `person_id` is (or was until removed) a member of the team."""
    if not SLUG.fullmatch(person_id) or session.get(MemberRow, (team_id, person_id)) is None:
        raise UnknownMember(person_id, team_id)


def add_override(
    session: Session, team_id: str, override: Override, by: str, now: datetime
) -> OverrideRow:
    """Record `override` for the team, entered by `by`; flushed, with its id."""
    row = OverrideRow(
        team_id=team_id,
        role=override.role.value,
        person_id=override.member,
        start=override.start,
        end=override.end,
        reason=override.reason,
        created_by=by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def reshape_override(session: Session, row: OverrideRow, start: datetime, end: datetime) -> None:
    """Cut an override to `[start, end)`; an empty span removes it."""
    if end <= start:
        session.delete(row)
        return
    row.start, row.end = start, end
    session.add(row)


def delete_override(session: Session, row: OverrideRow) -> None:
    session.delete(row)


def save_swap(session: Session, row: SwapRow, now: datetime) -> None:
    """Write the swap's new state (its status, who acted on it) as of `now`."""
    row.updated_at = now
    session.add(row)
    session.flush()


def add_swap(
    session: Session,
    team_id: str,
    role: Role,
    offered: tuple[str, Period],
    wanted: tuple[str, Period],
    reason: str,
    by: str,
    now: datetime,
) -> SwapRow:
    """Record a pending swap: `offered` (person, period) for `wanted`; flushed, with its id."""
    row = SwapRow(
        team_id=team_id,
        role=role.value,
        from_person_id=offered[0],
        from_period_index=offered[1].index,
        from_period_start=offered[1].start,
        to_person_id=wanted[0],
        to_period_index=wanted[1].index,
        to_period_start=wanted[1].start,
        status="pending",
        reason=reason,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row
