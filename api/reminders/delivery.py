"""The sending half of a reminder pass: claim, re-check, render, send, record.

Reminders are claimed with a conditional UPDATE (pending -> sending, with a lease; fifty at a
time, the statement returning the ids it changed) committed before anything is sent, so of
several loops exactly one sends each. A loop's senders (threads, each with its own session)
send what it claimed, several at once. A send that could outlast the lease is not started: the
claim is given back. Right before
sending, the resolved schedule is read again: a reminder about a turn that is no longer the
recipient's is cancelled, never sent. The text is rendered then, from the schedule as it is.
Once sent, the claimant marks it sent; a claimant that dies leaves its lease to run out, and
the next loop takes the reminder over (the send may then repeat once: see `channels`).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api import metrics, repositories, views
from api.clock import Clock
from api.reminders.channels import SEND_TIMEOUT, Channels, Delivery, DeliveryError
from api.repositories import reminders as store
from api.repositories.member_notify import team_member_notify
from api.repositories.reminders import MAX_ATTEMPTS, Reminder, Status
from rotation import Role, ScheduleEntry, Team, period, period_at
from rotation.messages import Contact, Context, render
from rotation.reminders import Change, Kind

log = logging.getLogger("rota.reminders")

#: The most reminders one pass takes on; the rest wait for the next pass.
BATCH = 20_000
#: Reminders claimed in one statement: one commit for many, each still sent and recorded alone.
CLAIM = 50


@dataclass
class Delivered:
    """What one delivery pass did; `delays` are seconds from due to sent, one per sent."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    missed: int = 0
    cancelled: int = 0
    taken_by_others: int = 0
    delays: list[float] = field(default_factory=list)

    def count(self, results: Iterable[_Sent]) -> None:
        for result in results:
            if result.counter is not None:
                setattr(self, result.counter, getattr(self, result.counter) + 1)
            if result.delay is not None:
                self.delays.append(result.delay)


def deliver_due(
    engine: Engine,
    clock: Clock,
    channels: Channels,
    worker: str,
    public_url: str = "",
    stop: threading.Event | None = None,
    senders: int = 1,
) -> Delivered:
    """Send every reminder due at the clock's now that this loop manages to claim, `senders` at
    a time (each on a thread with its own session: a slow SMTP server or webhook holds up one
    sender, not the queue). Once `stop` is set, the messages being sent are finished and the
    other claims are given back."""
    outcome = Delivered()
    now = clock.now()
    with Session(engine) as session:
        outcome.missed += store.expire(session, now)
        batch = store.workable(session, now, BATCH)
    batch = _give_up(engine, _supersede(engine, batch, now, outcome), now, outcome)
    send = _Sender(engine, clock, channels, worker, public_url, stop)
    pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="rota-send")
    running: set[Future[_Sent]] = set()
    try:
        for start in range(0, len(batch), CLAIM):
            if stop is not None and stop.is_set():
                break
            chunk = batch[start : start + CLAIM]
            with Session(engine) as session:
                claimed_at = clock.now()
                owned = store.claim_many(session, chunk, worker, claimed_at)
            outcome.taken_by_others += len(chunk) - len(owned)
            running |= {pool.submit(send, r, claimed_at) for r in chunk if r.id in owned}
            # Claim the next fifty only when a sender is about to be free: a claim's lease
            # runs from the moment it is taken.
            while len(running) > senders:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                outcome.count(f.result() for f in done)
        outcome.count(f.result() for f in as_completed(running))
    except BaseException:
        # A sender that broke (not a failed send: those are recorded) stops the pass; the
        # reminders not yet started keep their claims until the lease runs out.
        pool.shutdown(cancel_futures=True)
        raise
    pool.shutdown()
    return outcome


@dataclass(frozen=True)
class _Sent:
    """What became of one claimed reminder: a `Delivered` counter's name (None: given back
    unsent), and for one sent, its delay in seconds."""

    counter: str | None
    delay: float | None = None


@dataclass(frozen=True)
class _Sender:
    """Delivers one claimed reminder; called on the senders' threads."""

    engine: Engine
    clock: Clock
    channels: Channels
    worker: str
    public_url: str
    stop: threading.Event | None
    broken: threading.Event = field(default_factory=threading.Event)

    def __call__(self, reminder: Reminder, claimed_at: datetime) -> _Sent:
        if self.broken.is_set():
            return _Sent(None)  # as if the process had died: the lease runs out
        # Never start a send that could outlast the claim: another loop may take it then.
        # Nor one after the process was asked to stop: the next process sends it.
        stopping = self.stop is not None and self.stop.is_set()
        now = self.clock.now()
        if stopping or now + timedelta(seconds=SEND_TIMEOUT) >= claimed_at + store.LEASE:
            with Session(self.engine) as session:
                store.release(session, [reminder.id], self.worker, now)
            return _Sent(None)
        try:
            return _deliver_claimed(
                self.engine, self.clock, self.channels, self.worker, reminder, self.public_url
            )
        except BaseException:
            self.broken.set()
            raise


def _give_up(
    engine: Engine, batch: list[Reminder], now: datetime, outcome: Delivered
) -> list[Reminder]:
    """Claims that ran out `MAX_ATTEMPTS` times (their claimants kept dying mid-send) are not
    tried again: they show as failed."""
    kept = []
    with Session(engine) as session:
        for r in batch:
            if r.status is Status.SENDING and r.attempts >= MAX_ATTEMPTS:
                if store.settle(
                    session,
                    r.id,
                    Status.FAILED,
                    now,
                    worker=r.claimed_by,
                    error="every attempt was interrupted",
                ):
                    outcome.failed += 1
                    metrics.reminder_failed(r.channel)
            else:
                kept.append(r)
    return kept


def _supersede(
    engine: Engine, batch: list[Reminder], now: datetime, outcome: Delivered
) -> list[Reminder]:
    """Of several due `turn_starts` reminders of one turn (after downtime: the 24 h and the 1 h
    one), send the shortest lead only; the longer ones are missed."""
    groups: dict[tuple[object, ...], list[Reminder]] = defaultdict(list)
    for r in batch:
        if r.kind is Kind.TURN_STARTS and r.status is Status.PENDING:
            groups[(r.team, r.role, r.at, r.recipient, r.channel)].append(r)
    dropped: set[int] = set()
    with Session(engine) as session:
        for group in groups.values():
            group.sort(key=lambda r: r.lead.total_seconds() if r.lead else 0)
            for r in group[1:]:
                dropped.add(r.id)
                if store.settle(session, r.id, Status.MISSED, now, expect=Status.PENDING):
                    outcome.missed += 1
    return [r for r in batch if r.id not in dropped]


def _deliver_claimed(
    engine: Engine,
    clock: Clock,
    channels: Channels,
    worker: str,
    reminder: Reminder,
    public_url: str,
) -> _Sent:
    with Session(engine) as session:
        now = clock.now()
        if now >= reminder.expires_at:
            store.settle(session, reminder.id, Status.MISSED, now, worker=worker)
            return _Sent("missed")
        delivery = build_delivery(session, reminder, now, public_url)
        if delivery is None:
            store.settle(session, reminder.id, Status.CANCELLED, now, worker=worker)
            return _Sent("cancelled")
    try:
        channels.send(delivery)
    except DeliveryError as exc:
        return _failed(engine, clock, worker, reminder, str(exc))
    with Session(engine) as session:
        sent_at = clock.now()
        if store.settle(session, reminder.id, Status.SENT, sent_at, worker=worker):
            delay = (sent_at - reminder.due_at).total_seconds()
            metrics.reminder_sent(reminder.channel, delay)
            return _Sent("sent", delay)
    log.warning("reminder %s: the lease ran out while sending", reminder.id)
    return _Sent(None)


def _failed(engine: Engine, clock: Clock, worker: str, reminder: Reminder, error: str) -> _Sent:
    attempts = reminder.attempts + 1
    now = clock.now()
    retry_at = now + store.backoff(attempts)
    log.warning("reminder %s, attempt %s: %s", reminder.id, attempts, error)
    with Session(engine) as session:
        if attempts >= MAX_ATTEMPTS or retry_at >= reminder.expires_at:
            store.settle(session, reminder.id, Status.FAILED, now, worker=worker, error=error)
            metrics.reminder_failed(reminder.channel)
            return _Sent("failed")
        store.settle(
            session,
            reminder.id,
            Status.PENDING,
            now,
            worker=worker,
            error=error,
            retry_at=retry_at,
        )
    return _Sent("retried")


def _around(session: Session, team: Team, at: datetime) -> list[ScheduleEntry]:
    """The resolved entries of the period holding `at` and the one before: whole, unclipped
    at `at`, with both sides of a handoff at `at`."""
    current = period_at(team.policy, at)
    if current is None:
        return []
    since = period(team.policy, current.index - 1).start if current.index > 0 else current.start
    return views.resolved_entries(session, team, since, current.end)


def build_delivery(
    session: Session, reminder: Reminder, now: datetime, public_url: str = ""
) -> Delivery | None:
    """The delivery of `reminder` as the schedule stands at `now`, or None when the schedule no
    longer calls for it (the turn is someone else's, the slot got covered, ...)."""
    team = repositories.get_team(session, reminder.team)
    entries = _around(session, team, reminder.at)
    mine = [e for e in entries if e.role is reminder.role]
    starting = next((e for e in mine if e.start == reminder.at), None)
    ending = next((e for e in mine if e.end == reminder.at), None)
    holder = starting.member if starting else None
    recipient = reminder.recipient
    kind = reminder.kind
    outgoing = ending.member if ending else None
    if kind is Kind.TURN_STARTS:
        # A turn that now continues the member's previous one is no new start.
        valid = holder is not None and holder == recipient and outgoing != recipient
    elif kind is Kind.TURN_MOVED:
        # A moved stretch may start inside a turn (one cut short, or lengthened): ask who
        # holds the slot at its start, not whose turn starts there.
        holding = next((e.member for e in mine if e.start <= reminder.at < e.end), None)
        gained = reminder.change is Change.ADDED
        valid = holding == recipient if gained else holding != recipient
    elif kind is Kind.HANDOFF:
        valid = starting is not None and outgoing != holder and recipient in (outgoing, holder)
    else:
        valid = starting is not None and holder is None and _still_lead(team, recipient)
    if not valid:
        return None
    other = Role.OPERATOR if reminder.role is Role.DEVELOPER else Role.DEVELOPER
    partner = next(
        (e.member for e in entries if e.role is other and e.start <= reminder.at < e.end), None
    )
    outgoing_id = ending.member if ending else None
    people = repositories.people(session, [recipient, partner, outgoing_id, holder])
    settings = team_member_notify(session, team.id)
    note = settings[outgoing_id].handoff_note if outgoing_id in settings else ""
    context = Context(
        kind=kind,
        team_name=team.name,
        team_zone=team.timezone,
        role=reminder.role,
        at=reminder.at,
        # The recipient's turn ends where the schedule now says; a removed turn, a handoff to
        # the outgoing side and an uncovered alert name the stretch as it was found.
        end=starting.end if starting and holder == recipient else reminder.end,
        now=now,
        recipient=_contact(people.get(recipient or "")),
        partner=_contact(people.get(partner or "")),
        outgoing=_contact(people.get(outgoing_id or "")),
        incoming=_contact(people.get(holder or "")),
        note=note,
        change=reminder.change,
        link=f"{public_url.rstrip('/')}/v1/teams/{team.id}/schedule" if public_url else "",
    )
    message = render(context)
    prefs = settings.get(recipient) if recipient else None
    own_hook = prefs is not None and prefs.webhook_url is not None
    return Delivery(
        key=reminder.key,
        channel=reminder.channel,
        recipient=context.recipient,
        message=message,
        payload=_payload(reminder, context, message.subject, message.text),
        slack_webhook=(prefs.slack_webhook if prefs else None) or team.notify.slack_webhook,
        # A member's own webhook is signed with their secret (or the team's); the team's
        # webhook always with the team's.
        webhook_url=prefs.webhook_url if own_hook and prefs else team.notify.webhook_url,
        webhook_secret=(prefs.webhook_secret if own_hook and prefs else None)
        or team.notify.webhook_secret,
    )


def _still_lead(team: Team, recipient: str | None) -> bool:
    return recipient in team.leads if recipient is not None else not team.leads


def _contact(person: repositories.Person | None) -> Contact | None:
    if person is None:
        return None
    return Contact(person.id, person.name, person.email, person.chat, person.timezone)


def _payload(reminder: Reminder, context: Context, subject: str, text: str) -> dict[str, object]:
    def who(contact: Contact | None) -> dict[str, str] | None:
        return None if contact is None else {"id": contact.id, "name": contact.name}

    return {
        "id": reminder.key,
        "reminder": reminder.id,
        "kind": reminder.kind.value,
        "team": reminder.team,
        "role": reminder.role.value,
        "recipient": who(context.recipient),
        "at": context.at.isoformat(),
        "end": context.end.isoformat(),
        "lead_seconds": None if reminder.lead is None else int(reminder.lead.total_seconds()),
        "change": None if reminder.change is None else reminder.change.value,
        "partner": who(context.partner),
        "outgoing": who(context.outgoing),
        "incoming": who(context.incoming),
        "handoff_note": context.note,
        "subject": subject,
        "text": text,
    }
