"""The planning half of a reminder pass: from one team's resolved schedule to queued reminders.

For each team, in one transaction:
1. read the resolved schedule (`api.views.resolved_entries`, the one source of who holds what)
   from the start of the current period to the end of the period the horizon reaches;
2. compare the future turns with the snapshot of turns members were last told about: each turn
   added or removed queues a `turn_moved` reminder, whatever changed it (API, CLI, team file,
   time off, regeneration, overrides and swaps alike). A team created by Rota has its snapshot
   recorded with its first plan (`record_baseline`), so a change made before the loop first
   looks is announced too; for a team without one (a database from before), the first pass
   only records the snapshot, so starting Rota on a running rotation sends no flood;
3. queue the `turn_starts`, `handoff` and `uncovered` reminders the schedule calls for, and
   cancel queued ones it no longer calls for;
4. all of it after taking the team (`api.repositories.reminder_planning`): when two processes
   plan the same team at once, the second finds it taken, rolls back, and the first one's work
   stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api import repositories, views
from api.repositories import reminder_planning as store
from api.repositories.member_notify import team_member_notify
from api.repositories.reminders import Reminder, Status, reminder_key
from rotation import Channel, Team, period_at
from rotation.model import MemberNotify
from rotation.reminders import (
    Change,
    Kind,
    Notice,
    Turn,
    diff_turns,
    handoff_notices,
    moved_notices,
    turn_start_notices,
    turns_of,
    uncovered_notices,
)

#: Kinds recomputed from the schedule on every pass (a moved turn is an event instead).
_SCHEDULED = {Kind.TURN_STARTS, Kind.HANDOFF, Kind.UNCOVERED}


class Raced(Exception):
    """Another process planned this team's reminders first; this pass's work is rolled back."""


@dataclass(frozen=True)
class Planned:
    team: str
    queued: int
    cancelled: int
    moved: int
    first_look: bool


def window(team: Team, now: datetime, horizon: timedelta) -> tuple[datetime, datetime]:
    """`[since, until)`: from the start of the period holding `now` (so no entry of interest is
    clipped at its start) to the end of the period holding `now + horizon` (a handoff: entries
    never cross one, so none is clipped at its end)."""
    current = period_at(team.policy, now)
    last = period_at(team.policy, now + horizon)
    since = current.start if current else now
    until = last.end if last else now + horizon
    return since, until


def usable_channels(channels: tuple[Channel, ...], email: bool) -> tuple[Channel, ...]:
    """`channels`, with email replaced by the log when there is no mail server, each once."""
    if email:
        return channels
    return tuple(dict.fromkeys(Channel.LOG if c is Channel.EMAIL else c for c in channels))


#: How far ahead the baseline of a new team's turns reaches: the longest reminder horizon.
BASELINE_HORIZON = timedelta(days=90)


def record_baseline(session: Session, team: Team, now: datetime) -> None:
    """Remember the turns of a team's first plan as what its members know, before any pass:
    the first pass then announces what changed since. The caller commits."""
    if store.plan_state(session, team.id) is not None:
        return
    since, until = window(team, now, BASELINE_HORIZON)
    turns = turns_of(views.resolved_entries(session, team, since, until), now, until)
    store.take_team(session, team.id, until, now)
    store.remember(session, team.id, set(turns), {})


def plan_team(
    session: Session,
    team: Team,
    now: datetime,
    horizon: timedelta,
    *,
    email: bool = True,
    team_revision: str | None = None,
) -> Planned:
    """Queue `team`'s reminders as of `now`; the caller commits, or rolls back on `Raced` or
    an `IntegrityError` (another process inserted the same keys first). A pass that finds
    nothing to change writes nothing but, once, `team_revision` (the team's revision read before
    its schedule), which lets later passes skip the team while it stays (`needs_planning`).
    Without `email` (no SMTP server is set), what would go by email goes to the log: a demo or
    a fresh install is not a stream of failed sends."""
    since, until = window(team, now, horizon)
    entries = views.resolved_entries(session, team, since, until)
    current = turns_of(entries, now, until)
    state = store.plan_state(session, team.id)
    members = {m.id for m in repositories.list_members(session, team.id)}
    prefs = team_member_notify(session, team.id)

    def notify_of(member: str | None) -> MemberNotify:
        return prefs.get(member or "", MemberNotify())

    def channels_of(recipient: str | None) -> tuple[Channel, ...]:
        if recipient is None:
            return (Channel.LOG,)
        return usable_channels(notify_of(recipient).effective_channels(team.notify), email)

    def lead_times_of(member: str) -> tuple[timedelta, ...]:
        return notify_of(member).effective_lead_times(team.notify)

    leads = [lead for lead in team.leads if lead in members]
    wanted = [
        *turn_start_notices(entries, now, until, lead_times_of),
        *handoff_notices(entries, now, until),
        *uncovered_notices(entries, now, until, leads),
    ]
    queue = _compare(session, team.id, wanted, channels_of, now)
    known = store.snapshot(session, team.id) if state is not None else {}
    keep = set(current) | {t for t in known if t.start >= until}
    added: list[Turn] = []
    removed: list[Turn] = []
    # Take the team before writing: a concurrent pass blocks here until this one commits, then
    # fails (the primary key, or the version it read has moved) and rolls back.
    if state is None:
        store.take_team(session, team.id, until, now, team_revision, until)
    else:
        seen_until = state.seen_until
        added, removed = diff_turns(known, current, now, min(seen_until, until))
        if not (added or removed or queue.changes or keep != set(known) or until > seen_until):
            if (state.team_revision, state.planned_until) != (team_revision, until):
                _move_version(session, state, seen_until, now, team_revision, until)
            return Planned(team.id, 0, 0, 0, False)
        _move_version(session, state, max(seen_until, until), now, team_revision, until)
    serials = store.remember(session, team.id, keep, known)
    events: list[tuple[Notice, int]] = []
    for notice, turn in moved_notices(added, removed, now):
        events.append((notice, serials[turn] if notice.change is Change.ADDED else known[turn]))
    queued, cancelled = _apply(session, team.id, queue, now)
    moved = _queue_moved(session, team.id, events, channels_of, now)
    return Planned(team.id, queued + moved, cancelled, len(events), state is None)


def needs_planning(
    team: Team,
    revision: str,
    state: tuple[str | None, datetime | None] | None,
    now: datetime,
    horizon: timedelta,
) -> bool:
    """Whether a pass must plan `team` (at `revision`) again, given what the last one recorded
    (`repositories.reminder_planning.planned_states`): unless the team changed or the window
    reaches a period the last pass did not see, the queue already holds everything it calls
    for."""
    if state is None:
        return True
    planned_revision, planned_until = state
    if planned_revision != revision or planned_until is None:
        return True
    return window(team, now, horizon)[1] > planned_until


def _move_version(
    session: Session,
    state: store.PlanState,
    seen_until: datetime,
    now: datetime,
    team_revision: str | None,
    planned_until: datetime,
) -> None:
    if not store.move_version(session, state, seen_until, now, team_revision, planned_until):
        raise Raced(state.team_id)


@dataclass
class _Queue:
    """What a pass changes in the queue: rows to insert, cancelled ones to revive, pending
    ones to cancel (or mark missed, had they fallen due)."""

    insert: list[tuple[Notice, Channel, int | None]]
    revive: list[tuple[int, datetime]]
    drop: list[tuple[int, Status]]

    @property
    def changes(self) -> bool:
        return bool(self.insert or self.revive or self.drop)


def _compare(
    session: Session,
    team_id: str,
    wanted: list[Notice],
    channels_of: Callable[[str | None], tuple[Channel, ...]],
    now: datetime,
) -> _Queue:
    """Compare the reminders the schedule calls for with the team's open ones."""
    rows = {r.key: r for r in store.open_reminders(session, team_id, now) if r.kind in _SCHEDULED}
    queue = _Queue([], [], [])
    keys: set[str] = set()
    for notice in wanted:
        for channel in channels_of(notice.recipient):
            key = reminder_key(team_id, notice, channel, None)
            keys.add(key)
            row = rows.get(key)
            if row is None:
                queue.insert.append((notice, channel, None))
            elif row.status is Status.CANCELLED:
                queue.revive.append((row.id, max(row.due_at, now)))
    for key, row in rows.items():
        if key not in keys and row.status is Status.PENDING and _in_scope(row, now):
            queue.drop.append((row.id, Status.MISSED if row.due_at <= now else Status.CANCELLED))
    return queue


def _apply(session: Session, team_id: str, queue: _Queue, now: datetime) -> tuple[int, int]:
    """Write `queue`. State changes are conditional: a row a delivery loop claimed meanwhile
    is left to it."""
    queued = store.queue(session, team_id, queue.insert, now)
    store.revive(session, queue.revive, now)
    store.drop(session, queue.drop, now)
    return queued + len(queue.revive), len(queue.drop)


def _in_scope(row: Reminder, now: datetime) -> bool:
    """Whether this pass's notices would have named `row` had the schedule still called for it:
    handoffs and turn starts ahead of now, uncovered stretches not over."""
    return row.kind is Kind.UNCOVERED or row.at > now


def _queue_moved(
    session: Session,
    team_id: str,
    events: list[tuple[Notice, int]],
    channels_of: Callable[[str | None], tuple[Channel, ...]],
    now: datetime,
) -> int:
    """Queue a `turn_moved` reminder per event and channel. A turn removed and added back (or
    the other way) before the first message went out cancels that message instead: nothing
    changed for the member."""
    queued = 0
    for notice, serial in events:
        opposite = Change.REMOVED if notice.change is Change.ADDED else Change.ADDED
        if store.cancel_pending_moves(session, team_id, notice, opposite, now):
            continue
        channels = channels_of(notice.recipient)
        queued += store.queue(session, team_id, [(notice, c, serial) for c in channels], now)
    return queued
