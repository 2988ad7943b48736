"""The sending half of a Slack pass: claim, re-check, call Slack, record.

The same design as reminder delivery (`api.reminders.delivery`), on the same lease functions:
jobs are claimed fifty at a time with one conditional UPDATE committed before any call, so of
several loops exactly one calls Slack for each; a call that could outlast the lease is not
started. Right before calling, the schedule is read again: a group job whose members are no
longer who is on now is cancelled (the planner has queued the right one), and a handoff post
is rendered from the schedule as it is then. Of several due jobs of one group only the latest
is sent: the group ends up as it should be now, with one call.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api import metrics, repositories, views
from api.clock import Clock
from api.reminders.channels import DeliveryError, resolve_secret
from api.repositories import reminders as leases
from api.repositories import slack as store
from api.repositories.member_notify import team_member_notify
from api.repositories.reminders import MAX_ATTEMPTS, Status
from api.repositories.slack import Job, JobKind
from api.slack.client import CALL_TIMEOUT, SlackClient, SlackError
from api.slack.planner import window_start
from rotation import Team
from rotation.slack import group_members, handoffs, holders_at
from rotation.slack_messages import Person, handoff_message
from rotation.slack_settings import SlackSettings

log = logging.getLogger("rota.slack")

BATCH = 5_000
CLAIM = 50
#: The most calls one job makes (a few e-mail look-ups, then the update).
CALLS_PER_JOB = 3
#: A chat handle that is a Slack member id is used as is; anything else is looked up by email.
SLACK_USER_PREFIXES = ("U", "W")


@dataclass
class SlackDelivered:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    missed: int = 0
    cancelled: int = 0
    taken_by_others: int = 0


def deliver_slack(
    engine: Engine,
    clock: Clock,
    api_url: str,
    worker: str,
    environ: Mapping[str, str] | None = None,
) -> SlackDelivered:
    """Make every Slack call due at the clock's now that this loop manages to claim."""
    env = os.environ if environ is None else environ
    outcome = SlackDelivered()
    now = clock.now()
    with Session(engine) as session:
        outcome.missed += store.expire(session, now)
        batch = store.workable(session, now, BATCH)
    batch = _supersede(engine, batch, now, outcome)
    for start in range(0, len(batch), CLAIM):
        chunk = batch[start : start + CLAIM]
        with Session(engine) as session:
            claimed_at = clock.now()
            owned = store.claim_many(session, chunk, worker, claimed_at)
        outcome.taken_by_others += len(chunk) - len(owned)
        mine = [job for job in chunk if job.id in owned]
        for index, job in enumerate(mine):
            limit = timedelta(seconds=CALL_TIMEOUT * CALLS_PER_JOB)
            if clock.now() + limit >= claimed_at + leases.LEASE:
                with Session(engine) as session:
                    ids = [j.id for j in mine[index:]]
                    store.release(session, ids, worker, clock.now())
                break
            _deliver(engine, clock, api_url, env, worker, job, outcome)
    return outcome


def _supersede(
    engine: Engine, batch: list[Job], now: datetime, outcome: SlackDelivered
) -> list[Job]:
    groups: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in batch:
        if job.kind is JobKind.USERGROUP and job.status is Status.PENDING:
            groups[(job.team, job.target)].append(job)
    dropped: set[int] = set()
    with Session(engine) as session:
        for jobs in groups.values():
            jobs.sort(key=lambda j: (j.at, j.id))
            for job in jobs[:-1]:
                dropped.add(job.id)
                if store.settle(session, job.id, Status.MISSED, now, expect=Status.PENDING):
                    outcome.missed += 1
    return [job for job in batch if job.id not in dropped]


def _deliver(
    engine: Engine,
    clock: Clock,
    api_url: str,
    environ: Mapping[str, str],
    worker: str,
    job: Job,
    outcome: SlackDelivered,
) -> None:
    def finish(status: Status, error: str = "") -> None:
        with Session(engine) as session:
            store.settle(session, job.id, status, clock.now(), worker=worker, error=error)

    if job.attempts >= MAX_ATTEMPTS and job.status is Status.SENDING:
        finish(Status.FAILED, job.last_error or "every attempt was interrupted")
        outcome.failed += 1
        metrics.slack_job_done(job.kind.value, "failed")
        return
    try:
        with Session(engine) as session:
            team = repositories.get_team(session, job.team)
            settings = store.get_settings(session, job.team)
            token = resolve_secret(settings.bot_token, "bot_token", environ)
            client = SlackClient(api_url, token)
            if job.kind is JobKind.USERGROUP:
                done = _sync_group(session, client, team, settings, job, clock.now())
            else:
                done = _announce(session, client, team, settings, job)
            session.commit()
    except (SlackError, DeliveryError) as exc:
        _failed(engine, clock, worker, job, exc, outcome)
        return
    if isinstance(done, str):
        finish(Status.CANCELLED, done)
        outcome.cancelled += 1
        metrics.slack_job_done(job.kind.value, "cancelled")
        return
    finish(Status.SENT)
    outcome.sent += 1
    metrics.slack_job_done(job.kind.value, "sent")


def _sync_group(
    session: Session,
    client: SlackClient,
    team: Team,
    settings: SlackSettings,
    job: Job,
    now: datetime,
) -> str | None:
    """Set the group to who is on now; a reason instead when the job no longer applies."""
    if job.target not in settings.usergroups.values():
        return "the team no longer maps a role to this user group"
    entries = views.resolved_entries(
        session, team, window_start(team, now), now + timedelta(seconds=1)
    )
    wanted = group_members(settings.usergroups, holders_at(entries, now)).get(job.target, ())
    if wanted != job.members:
        return "who is on support changed before this ran: a newer job sets the group"
    if not wanted:
        # Slack refuses to empty a user group: it keeps its members, the slot shows uncovered.
        return "nobody is on support: Slack cannot empty a user group, it keeps its members"
    users = [slack_user(session, client, team.id, member, now) for member in wanted]
    client.set_usergroup(job.target, users)
    log.info("team %s: user group %s set to %s", team.id, job.target, ", ".join(wanted))
    return None


def slack_user(
    session: Session, client: SlackClient, team_id: str, member: str, now: datetime
) -> str:
    """The Slack user id of `member`: their chat handle when it is one, else found by email
    (and remembered, so that `/rota me` knows them too)."""
    person = repositories.people(session, [member])[member]
    if person.chat and person.chat.startswith(SLACK_USER_PREFIXES) and person.chat.isalnum():
        return person.chat
    known = store.known_users(session, team_id).get(member)
    if known is not None and known.email == person.email:
        return known.slack_user
    try:
        found = client.lookup_by_email(person.email)
    except SlackError as exc:
        if not exc.retryable:  # users_not_found: the member is not in the workspace
            raise SlackError(f"{exc} (member {member!r})", retryable=False) from exc
        raise
    store.remember_user(session, team_id, member, person.email, found, now)
    return found


def _announce(
    session: Session, client: SlackClient, team: Team, settings: SlackSettings, job: Job
) -> str | None:
    if settings.channel != job.target:
        return "the team announces handoffs in another channel now"
    entries = views.resolved_entries(
        session, team, window_start(team, job.at), job.at + timedelta(seconds=1)
    )
    found = handoffs(entries, job.at, job.at + timedelta(seconds=1))
    if not found:
        return "nobody hands over at this handoff any more"
    handoff = found[0]
    ids = {m for _, out, into in handoff.changes for m in (out, into) if m}
    people = repositories.people(session, ids)
    known = store.known_users(session, team.id)

    def person(member: str | None) -> Person | None:
        if member is None:
            return None
        found = people[member]
        chat = found.chat or ""
        user = chat if chat.startswith(SLACK_USER_PREFIXES) and chat.isalnum() else None
        return Person(found.name, user or (known[member].slack_user if member in known else None))

    changes = [(role, person(out), person(into)) for role, out, into in handoff.changes]
    prefs = team_member_notify(session, team.id)
    notes: list[tuple[Person, str]] = []
    for _, out, _into in handoff.changes:
        note = prefs[out].handoff_note if out and out in prefs else ""
        outgoing = person(out)
        if note and outgoing is not None and all(p != outgoing for p, _ in notes):
            notes.append((outgoing, note))
    message = handoff_message(team.name, team.timezone, job.at, changes, notes)
    client.post_message(job.target, message["text"], message["blocks"])
    return None


def _failed(
    engine: Engine,
    clock: Clock,
    worker: str,
    job: Job,
    exc: SlackError | DeliveryError,
    outcome: SlackDelivered,
) -> None:
    attempts = job.attempts + 1
    now = clock.now()
    retryable = exc.retryable if isinstance(exc, SlackError) else True
    wait = leases.backoff(attempts)
    if isinstance(exc, SlackError) and exc.retry_after is not None:
        wait = max(wait, timedelta(seconds=exc.retry_after))
    retry_at = now + wait
    log.warning("slack job %s (team %s), attempt %s: %s", job.id, job.team, attempts, exc)
    late = job.expires_at is not None and retry_at >= job.expires_at
    with Session(engine) as session:
        if not retryable or attempts >= MAX_ATTEMPTS or late:
            store.settle(
                session,
                job.id,
                Status.FAILED,
                now,
                worker=worker,
                error=str(exc),
            )
            outcome.failed += 1
            metrics.slack_job_done(job.kind.value, "failed")
        else:
            store.settle(
                session,
                job.id,
                Status.PENDING,
                now,
                worker=worker,
                error=str(exc),
                retry_at=retry_at,
            )
            outcome.retried += 1
            metrics.slack_job_done(job.kind.value, "retried")
