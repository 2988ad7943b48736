"""What the reminder planner keeps: per team, its claim on the team and how far it looked, the
snapshot of turns members were last told about, and its changes to the queue.

A pass takes a team by inserting the team's `reminder_team` row (the first time) or by moving its
`version` with a conditional UPDATE: a second process planning the same team at the same moment
blocks there, then finds the row taken or the version moved, and learns it lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from api.repositories.reminders import Reminder, Status, reminder_from_row, reminder_key
from api.tables import ReminderRow, ReminderTeamRow, ReminderTurnRow
from rotation import Channel, Role
from rotation.reminders import Change, Kind, Notice, Turn


@dataclass(frozen=True)
class PlanState:
    """A team's `reminder_team` row: what the last pass over it recorded."""

    team_id: str
    version: int
    seen_until: datetime
    team_revision: str | None
    planned_until: datetime | None


def plan_state(session: Session, team_id: str) -> PlanState | None:
    row = session.get(ReminderTeamRow, team_id)
    if row is None:
        return None
    return PlanState(row.team_id, row.version, row.seen_until, row.team_revision, row.planned_until)


def planned_states(session: Session) -> dict[str, tuple[str | None, datetime | None]]:
    """Every team's `(team_revision, planned_until)` as the last reminder pass recorded them,
    in one statement."""
    rows = session.exec(
        select(
            ReminderTeamRow.team_id, ReminderTeamRow.team_revision, ReminderTeamRow.planned_until
        )
    )
    return {team: (revision, until) for team, revision, until in rows}


def take_team(
    session: Session,
    team_id: str,
    seen_until: datetime,
    now: datetime,
    team_revision: str | None = None,
    planned_until: datetime | None = None,
) -> None:
    """A team's first pass: insert its row (an `IntegrityError` when another process did)."""
    session.add(
        ReminderTeamRow(
            team_id=team_id,
            seen_until=seen_until,
            team_revision=team_revision,
            planned_until=planned_until,
            updated_at=now,
        )
    )
    session.flush()


def move_version(
    session: Session,
    state: PlanState,
    seen_until: datetime,
    now: datetime,
    team_revision: str | None,
    planned_until: datetime,
) -> bool:
    """Take the team again, if its version is still the one `state` read; False when another
    process moved it first."""
    result = session.exec(
        update(ReminderTeamRow)
        .where(
            col(ReminderTeamRow.team_id) == state.team_id,
            col(ReminderTeamRow.version) == state.version,
        )
        .values(
            version=state.version + 1,
            seen_until=seen_until,
            team_revision=team_revision,
            planned_until=planned_until,
            updated_at=now,
        )
    )
    assert isinstance(result, CursorResult)
    return bool(result.rowcount == 1)


def snapshot(session: Session, team_id: str) -> dict[Turn, int]:
    """The turns the team's members were last told about, each with its row id."""
    rows = session.exec(select(ReminderTurnRow).where(ReminderTurnRow.team_id == team_id))
    return {Turn(Role(r.role), r.person_id, r.start, r.end): r.id or 0 for r in rows}


def remember(
    session: Session, team_id: str, keep: set[Turn], known: dict[Turn, int]
) -> dict[Turn, int]:
    """Make the snapshot (`known`, as `snapshot` read it) hold exactly `keep`; return the row
    id of every turn it holds."""
    gone = [row_id for turn, row_id in known.items() if turn not in keep]
    if gone:
        session.exec(delete(ReminderTurnRow).where(col(ReminderTurnRow.id).in_(gone)))
    fresh = {
        turn: ReminderTurnRow(
            team_id=team_id,
            role=turn.role.value,
            person_id=turn.member,
            start=turn.start,
            end=turn.end,
        )
        for turn in keep
        if turn not in known
    }
    session.add_all(fresh.values())
    session.flush()
    ids = {turn: row_id for turn, row_id in known.items() if turn in keep}
    ids.update({turn: row.id or 0 for turn, row in fresh.items()})
    return ids


def open_reminders(session: Session, team_id: str, now: datetime) -> list[Reminder]:
    """The team's reminders that have not expired: what a planning pass compares with."""
    query = select(ReminderRow).where(
        ReminderRow.team_id == team_id, col(ReminderRow.expires_at) > now
    )
    return [reminder_from_row(row) for row in session.exec(query)]


def queue(
    session: Session,
    team_id: str,
    notices: Iterable[tuple[Notice, Channel, int | None]],
    now: datetime,
) -> int:
    """Queue a pending reminder per `(notice, channel, serial)`; `serial`, for a moved turn, is
    the snapshot row that announced it. Return how many."""
    rows = [_new_row(team_id, notice, channel, now, serial) for notice, channel, serial in notices]
    session.add_all(rows)
    session.flush()
    return len(rows)


def revive(session: Session, revived: Iterable[tuple[int, datetime]], now: datetime) -> None:
    """Make cancelled reminders pending again, each first tried at its time; one a delivery
    loop or another pass changed meanwhile is left alone."""
    for row_id, attempt_at in revived:
        session.exec(
            update(ReminderRow)
            .where(
                col(ReminderRow.id) == row_id,
                col(ReminderRow.status) == Status.CANCELLED.value,
            )
            .values(status=Status.PENDING.value, next_attempt_at=attempt_at, updated_at=now)
        )
    session.flush()


def drop(session: Session, dropped: Iterable[tuple[int, Status]], now: datetime) -> None:
    """Give pending reminders their end (cancelled, or missed); one claimed meanwhile is left
    to its claimant."""
    for row_id, status in dropped:
        session.exec(
            update(ReminderRow)
            .where(col(ReminderRow.id) == row_id, col(ReminderRow.status) == Status.PENDING.value)
            .values(status=status.value, updated_at=now)
        )
    session.flush()


def cancel_pending_moves(
    session: Session, team_id: str, notice: Notice, change: Change, now: datetime
) -> bool:
    """Cancel the pending `turn_moved` reminders announcing `change` for the stretch and
    recipient of `notice`; whether there were any."""
    pending = session.exec(
        select(ReminderRow).where(
            ReminderRow.team_id == team_id,
            ReminderRow.kind == Kind.TURN_MOVED.value,
            ReminderRow.change == change.value,
            ReminderRow.recipient == notice.recipient,
            ReminderRow.role == notice.role.value,
            ReminderRow.at == notice.at,
            ReminderRow.end == notice.end,
            ReminderRow.status == Status.PENDING.value,
        )
    ).all()
    for row in pending:
        row.status, row.updated_at = Status.CANCELLED.value, now
        session.add(row)
    session.flush()
    return bool(pending)


def _new_row(
    team_id: str, notice: Notice, channel: Channel, now: datetime, serial: int | None
) -> ReminderRow:
    return ReminderRow(
        key=reminder_key(team_id, notice, channel, serial),
        team_id=team_id,
        kind=notice.kind.value,
        role=notice.role.value,
        recipient=notice.recipient,
        channel=channel.value,
        lead_seconds=None if notice.lead is None else int(notice.lead.total_seconds()),
        change=None if notice.change is None else notice.change.value,
        at=notice.at,
        end=notice.end,
        due_at=notice.due,
        expires_at=notice.expires,
        status=Status.PENDING.value,
        next_attempt_at=notice.due,
        created_at=now,
        updated_at=now,
    )
