"""The reminder queue: rows keyed once, claimed with a lease, finished by their claimant.

Every state change that more than one process may attempt is one conditional UPDATE: it changes
the row only if the row is still in the state the caller saw, and the caller learns from the
row count whether it won. So any number of loops may work on one database and each reminder is
sent by one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from api.tables import ReminderRow
from api.tables.slack import SlackJobRow
from rotation import Channel, Role
from rotation.errors import ReminderNotResendable, UnknownReminder
from rotation.reminders import Change, Kind, Notice

log = logging.getLogger("rota.reminders")

#: The most attempts of one reminder before it shows as failed.
MAX_ATTEMPTS = 5
#: The first retry waits this long; each next one twice as long, up to `MAX_BACKOFF`.
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
#: How long a claim holds: longer than any send may take (SMTP and HTTP time out at 30 s).
LEASE = timedelta(minutes=2)


#: The queues claimed this way: reminders, and Slack's Web API calls (same columns, same rules).
Leased = type[ReminderRow] | type[SlackJobRow]


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Reminder:
    """A row of the queue, as the rest of the service sees it."""

    id: int
    key: str
    team: str
    kind: Kind
    role: Role
    recipient: str | None
    channel: Channel
    lead: timedelta | None
    change: Change | None
    at: datetime
    end: datetime
    due_at: datetime
    expires_at: datetime
    status: Status
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    sent_at: datetime | None
    last_error: str


def reminder_from_row(row: ReminderRow) -> Reminder:
    assert row.id is not None
    return Reminder(
        id=row.id,
        key=row.key,
        team=row.team_id,
        kind=Kind(row.kind),
        role=Role(row.role),
        recipient=row.recipient,
        channel=Channel(row.channel),
        lead=None if row.lead_seconds is None else timedelta(seconds=row.lead_seconds),
        change=None if row.change is None else Change(row.change),
        at=row.at,
        end=row.end,
        due_at=row.due_at,
        expires_at=row.expires_at,
        status=Status(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


def reminder_key(team_id: str, notice: Notice, channel: Channel, serial: int | None) -> str:
    """What makes a reminder one: kind, team, slot, instant, recipient, channel, lead time, and
    for a moved turn the snapshot event (`serial`) that announced it."""
    lead = "-" if notice.lead is None else str(int(notice.lead.total_seconds()))
    parts = [
        notice.kind.value,
        team_id,
        notice.role.value,
        notice.at.isoformat(),
        notice.recipient or "-",
        channel.value,
        lead,
    ]
    if notice.change is not None:
        parts += [notice.change.value, str(serial)]
    return "|".join(parts)


def workable(session: Session, now: datetime, limit: int) -> list[Reminder]:
    """Reminders a loop may claim at `now`, earliest due first: pending ones whose attempt is
    due, and claimed ones whose claimant's lease ran out (it died or hung)."""
    query = (
        select(ReminderRow)
        .where(
            or_(
                and_(
                    col(ReminderRow.status) == Status.PENDING.value,
                    col(ReminderRow.next_attempt_at) <= now,
                ),
                and_(
                    col(ReminderRow.status) == Status.SENDING.value,
                    col(ReminderRow.claimed_until) < now,
                ),
            )
        )
        .order_by(col(ReminderRow.due_at), col(ReminderRow.id))
        .limit(limit)
    )
    return [reminder_from_row(row) for row in session.exec(query)]


def _changed(session: Session, statement: object, *, commit: bool = True) -> bool:
    """Run a conditional UPDATE of one row; True if it changed the row (the caller won)."""
    result = session.exec(statement)  # type: ignore[call-overload]
    assert isinstance(result, CursorResult)
    changed = result.rowcount == 1
    if commit:
        session.commit()
    return changed


def claim_many(
    session: Session,
    reminders: Sequence[_Identified],
    worker: str,
    now: datetime,
    *,
    table: Leased = ReminderRow,
) -> set[int]:
    """Take those of `reminders` no other process has taken, for `worker` until `now + LEASE`,
    in one statement; return their ids. Each claim counts as an attempt."""
    if not reminders:
        return set()
    statement = (
        update(table)
        .where(col(table.id).in_([r.id for r in reminders]))
        .where(
            or_(
                and_(
                    col(table.status) == Status.PENDING.value,
                    col(table.next_attempt_at) <= now,
                ),
                and_(
                    col(table.status) == Status.SENDING.value,
                    col(table.claimed_until) < now,
                ),
            )
        )
        .values(
            status=Status.SENDING.value,
            claimed_by=worker,
            claimed_until=now + LEASE,
            attempts=table.attempts + 1,
            updated_at=now,
        )
        .returning(col(table.id))
    )
    try:
        claimed = {int(row_id) for (row_id,) in session.exec(statement)}
        session.commit()
    except OperationalError as exc:
        # A deadlock or lock timeout with another loop: claim nothing now, try next pass.
        session.rollback()
        log.warning("claiming %s reminders failed: %s", len(reminders), exc.orig)
        return set()
    return claimed


def release(
    session: Session,
    reminder_ids: list[int],
    worker: str,
    now: datetime,
    *,
    table: Leased = ReminderRow,
) -> None:
    """Give back claims `worker` will not get to before its lease ends: pending again, the
    attempt not counted."""
    if reminder_ids:
        session.exec(
            update(table)
            .where(
                col(table.id).in_(reminder_ids),
                col(table.status) == Status.SENDING.value,
                col(table.claimed_by) == worker,
            )
            .values(
                status=Status.PENDING.value,
                claimed_by=None,
                claimed_until=None,
                attempts=table.attempts - 1,
                updated_at=now,
            )
        )
        session.commit()


def settle(
    session: Session,
    reminder_id: int,
    status: Status,
    now: datetime,
    *,
    worker: str | None = None,
    expect: Status = Status.SENDING,
    error: str = "",
    retry_at: datetime | None = None,
    table: Leased = ReminderRow,
) -> bool:
    """Move a reminder out of `expect` (by default: claimed by `worker`) into `status`."""
    values: dict[str, object] = {"status": status.value, "updated_at": now}
    if status is not Status.SENDING:
        values.update(claimed_by=None, claimed_until=None)
    if status is Status.SENT:
        values["sent_at"] = now
    if error:
        values["last_error"] = error[:500]
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    statement = update(table).where(col(table.id) == reminder_id, col(table.status) == expect.value)
    if worker is not None:
        statement = statement.where(col(table.claimed_by) == worker)
    return _changed(session, statement.values(**values))


def expire(session: Session, now: datetime) -> int:
    """Pending reminders whose moment has passed will not be sent: missed (or failed, when
    attempts had already failed). Never a late burst."""
    count = 0
    for attempted, status in ((False, Status.MISSED), (True, Status.FAILED)):
        attempts = col(ReminderRow.attempts)
        result = session.exec(
            update(ReminderRow)
            .where(
                col(ReminderRow.status) == Status.PENDING.value,
                col(ReminderRow.expires_at) <= now,
                attempts > 0 if attempted else attempts == 0,
            )
            .values(status=status.value, updated_at=now)
        )
        count += result.rowcount if status is Status.MISSED else 0
    session.commit()
    return count


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... up to 1 h."""
    wait: timedelta = FIRST_BACKOFF * 2 ** max(0, attempts - 1)
    return min(wait, MAX_BACKOFF)


def get_reminder(session: Session, reminder_id: int) -> Reminder:
    row = session.get(ReminderRow, reminder_id)
    if row is None:
        raise UnknownReminder(reminder_id)
    return reminder_from_row(row)


def list_reminders(
    session: Session,
    team_id: str | None,
    status: Status | None,
    limit: int,
    before: int | None,
) -> list[Reminder]:
    """Reminders, newest first, `limit` of them older than the id `before`."""
    query = select(ReminderRow)
    if team_id is not None:
        query = query.where(ReminderRow.team_id == team_id)
    if status is not None:
        query = query.where(ReminderRow.status == status.value)
    if before is not None:
        query = query.where(col(ReminderRow.id) < before)
    rows = session.exec(query.order_by(col(ReminderRow.id).desc()).limit(limit))
    return [reminder_from_row(row) for row in rows]


def resend(session: Session, reminder_id: int, now: datetime) -> Reminder:
    """Queue a failed reminder again, with its attempts reset, due at once; the caller
    commits."""
    reminder = get_reminder(session, reminder_id)
    if reminder.status is not Status.FAILED:
        raise ReminderNotResendable(reminder_id, f"it is {reminder.status.value}, not failed")
    if now >= reminder.expires_at:
        raise ReminderNotResendable(reminder_id, "what it is about has started or ended")
    statement = (
        update(ReminderRow)
        .where(col(ReminderRow.id) == reminder_id, col(ReminderRow.status) == Status.FAILED.value)
        .values(status=Status.PENDING.value, attempts=0, next_attempt_at=now, updated_at=now)
    )
    if not _changed(session, statement, commit=False):
        raise ReminderNotResendable(reminder_id, "another request changed it first")
    session.expire_all()
    return get_reminder(session, reminder_id)
