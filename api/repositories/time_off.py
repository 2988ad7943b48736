"""Time off: a person's, applying in every team of theirs; a team sees its members'."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.repositories.teams import teams_of
from api.tables import MemberRow, TimeOffRow
from rotation import TimeOff
from rotation.errors import UnknownResource


def time_off_of(session: Session, person_ids: Iterable[str]) -> list[TimeOff]:
    """Every time off of these people, whichever team it was entered through."""
    ids = list(person_ids)
    if not ids:
        return []
    rows = session.exec(
        select(TimeOffRow).where(col(TimeOffRow.person_id).in_(ids)).order_by(col(TimeOffRow.start))
    )
    return [TimeOff(r.person_id, r.start, r.end, r.reason) for r in rows]


def replace_file_time_off(
    session: Session, team_id: str, entries: Sequence[TimeOff], now: datetime
) -> None:
    """Replace the time off a team file declared last time with what it declares now."""
    session.exec(
        delete(TimeOffRow).where(
            col(TimeOffRow.team_id) == team_id, col(TimeOffRow.source) == "file"
        )
    )
    for entry in entries:
        session.add(
            TimeOffRow(
                person_id=entry.member,
                team_id=team_id,
                start=entry.start,
                end=entry.end,
                reason=entry.reason,
                source="file",
                created_at=now,
            )
        )


def time_off_rows(
    session: Session,
    team_id: str,
    *,
    member: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[TimeOffRow]:
    """The time off of the team's members overlapping `[since, until)`, in start order."""
    members = select(MemberRow.person_id).where(MemberRow.team_id == team_id)
    query = select(TimeOffRow).where(col(TimeOffRow.person_id).in_(members))
    if member is not None:
        query = query.where(TimeOffRow.person_id == member)
    if until is not None:
        query = query.where(col(TimeOffRow.start) < until)
    if since is not None:
        query = query.where(col(TimeOffRow.end) > since)
    return list(session.exec(query.order_by(col(TimeOffRow.start), col(TimeOffRow.id))))


def get_time_off_row(session: Session, team_id: str, time_off_id: int) -> TimeOffRow:
    """A time off of a member of the team; any other id is `UnknownResource` (never a hint that
    it exists in another team)."""
    row = session.get(TimeOffRow, time_off_id)
    if row is None or session.get(MemberRow, (team_id, row.person_id)) is None:
        raise UnknownResource("time off", time_off_id, team_id)
    return row


def rehome_time_off(session: Session, team_id: str) -> None:
    """Before a team is deleted: time off entered through it applies in the person's other
    teams too, so it stays, entered through one of those. Time off a team file declared goes
    with its team (the file was its source)."""
    rows = session.exec(
        select(TimeOffRow).where(TimeOffRow.team_id == team_id, TimeOffRow.source != "file")
    )
    for row in rows:
        others = [t for t in teams_of(session, row.person_id) if t != team_id]
        if others:
            row.team_id = others[0]
            session.add(row)


def time_off_of_row(row: TimeOffRow) -> TimeOff:
    return TimeOff(row.person_id, row.start, row.end, row.reason)


def add_time_off(
    session: Session, team_id: str, entries: Sequence[TimeOff], source: str, now: datetime
) -> list[TimeOffRow]:
    """Record `entries` as entered through `team_id` (`api` or `import`); flushed, with ids."""
    rows = [
        TimeOffRow(
            person_id=entry.member,
            team_id=team_id,
            start=entry.start,
            end=entry.end,
            reason=entry.reason,
            source=source,
            created_at=now,
        )
        for entry in entries
    ]
    session.add_all(rows)
    session.flush()
    return rows


def first_overlapping_time_off(
    session: Session, person_id: str, start: datetime, end: datetime
) -> TimeOffRow | None:
    """The earliest time off of `person_id` that overlaps `[start, end)`."""
    return session.exec(
        select(TimeOffRow)
        .where(
            TimeOffRow.person_id == person_id,
            col(TimeOffRow.start) < end,
            col(TimeOffRow.end) > start,
        )
        .order_by(col(TimeOffRow.start))
    ).first()


def delete_time_off(session: Session, row: TimeOffRow) -> None:
    session.delete(row)
    session.flush()
