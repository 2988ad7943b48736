"""The repository of Slack's tables: team settings, the job queue, Slack users found by email.

Jobs are keyed so that each change exists once however many processes plan it, and claimed
through `api.repositories.reminders`'s lease (`claim_many`, `settle`, `release`, `backoff`): a job
is a reminder to Slack, with the same statuses and the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from api.repositories import reminders as leases
from api.repositories.reminders import Status
from api.tables.slack import SlackJobRow, SlackSettingsRow, SlackUserRow
from rotation.slack_settings import SlackSettings


class JobKind(StrEnum):
    USERGROUP = "usergroup"
    HANDOFF = "handoff"


@dataclass(frozen=True)
class Job:
    """A queued Web API call, as the rest of the service sees it."""

    id: int
    key: str
    team: str
    kind: JobKind
    target: str
    members: tuple[str, ...]
    at: datetime
    due_at: datetime
    expires_at: datetime | None
    status: Status
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    sent_at: datetime | None
    last_error: str


def job_from_row(row: SlackJobRow) -> Job:
    assert row.id is not None
    return Job(
        id=row.id,
        key=row.key,
        team=row.team_id,
        kind=JobKind(row.kind),
        target=row.target,
        members=tuple(row.members),
        at=row.at,
        due_at=row.due_at,
        expires_at=row.expires_at,
        status=Status(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        claimed_by=row.claimed_by,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


def settings_from_row(row: SlackSettingsRow | None) -> SlackSettings:
    if row is None:
        return SlackSettings()
    return SlackSettings(row.signing_secret, row.bot_token, row.channel, dict(row.usergroups))


def get_settings(session: Session, team_id: str) -> SlackSettings:
    return settings_from_row(session.get(SlackSettingsRow, team_id))


def all_settings(session: Session) -> dict[str, SlackSettings]:
    """Every team that has Slack settings, by team id."""
    rows = session.exec(select(SlackSettingsRow).order_by(col(SlackSettingsRow.team_id)))
    return {row.team_id: settings_from_row(row) for row in rows}


def save_settings(session: Session, team_id: str, settings: SlackSettings, now: datetime) -> None:
    """Store `settings` for `team_id`; settings with nothing in them remove the row."""
    row = session.get(SlackSettingsRow, team_id)
    if not settings.configured:
        if row is not None:
            session.delete(row)
        return
    row = row or SlackSettingsRow(team_id=team_id, updated_at=now)
    row.signing_secret = settings.signing_secret
    row.bot_token = settings.bot_token
    row.channel = settings.channel
    row.usergroups = dict(settings.usergroups)
    row.updated_at = now
    session.add(row)


def job_key(
    team_id: str, kind: JobKind, target: str, at: datetime, members: tuple[str, ...]
) -> str:
    """What makes a job one: the team, what it writes to, the instant, and for a group the
    members it sets (a later change at the same instant is another job)."""
    return "|".join([kind.value, team_id, target, at.isoformat(), ",".join(members)])


def new_job(
    team_id: str,
    kind: JobKind,
    target: str,
    at: datetime,
    members: tuple[str, ...],
    now: datetime,
    expires_at: datetime | None = None,
) -> SlackJobRow:
    return SlackJobRow(
        key=job_key(team_id, kind, target, at, members),
        team_id=team_id,
        kind=kind.value,
        target=target,
        members=list(members),
        at=at,
        due_at=at,
        expires_at=expires_at,
        status=Status.PENDING.value,
        next_attempt_at=at,
        created_at=now,
        updated_at=now,
    )


def add_job(session: Session, row: SlackJobRow) -> None:
    """Queue a job made by `new_job`."""
    session.add(row)


def open_jobs(session: Session, team_id: str, since: datetime) -> list[SlackJobRow]:
    """The team's jobs about `since` or later, and every one not finished: what a planning
    pass compares with."""
    query = select(SlackJobRow).where(
        SlackJobRow.team_id == team_id,
        or_(
            col(SlackJobRow.at) >= since,
            col(SlackJobRow.status).in_([Status.PENDING.value, Status.SENDING.value]),
        ),
    )
    return list(session.exec(query))


def last_group_jobs(session: Session, team_id: str, before: datetime) -> list[SlackJobRow]:
    """Each user group's latest job about an instant before `before` (not cancelled): what
    a group was last set to, however long ago."""
    query = (
        select(SlackJobRow)
        .where(
            SlackJobRow.team_id == team_id,
            SlackJobRow.kind == JobKind.USERGROUP.value,
            col(SlackJobRow.at) < before,
            SlackJobRow.status != Status.CANCELLED.value,
        )
        .order_by(col(SlackJobRow.at).desc(), col(SlackJobRow.id).desc())
        .limit(50)
    )
    latest: dict[str, SlackJobRow] = {}
    for row in session.exec(query):
        latest.setdefault(row.target, row)
    return list(latest.values())


def workable(session: Session, now: datetime, limit: int) -> list[Job]:
    """Jobs a loop may claim at `now`, earliest first (the same rule as reminders)."""
    query = (
        select(SlackJobRow)
        .where(
            or_(
                and_(
                    col(SlackJobRow.status) == Status.PENDING.value,
                    col(SlackJobRow.next_attempt_at) <= now,
                ),
                and_(
                    col(SlackJobRow.status) == Status.SENDING.value,
                    col(SlackJobRow.claimed_until) < now,
                ),
            )
        )
        .order_by(col(SlackJobRow.at), col(SlackJobRow.id))
        .limit(limit)
    )
    return [job_from_row(row) for row in session.exec(query)]


def list_jobs(
    session: Session, team_id: str, status: Status | None, limit: int, before: int | None
) -> list[Job]:
    """The team's jobs, newest first."""
    query = select(SlackJobRow).where(SlackJobRow.team_id == team_id)
    if status is not None:
        query = query.where(SlackJobRow.status == status.value)
    if before is not None:
        query = query.where(col(SlackJobRow.id) < before)
    rows = session.exec(query.order_by(col(SlackJobRow.id).desc()).limit(limit))
    return [job_from_row(row) for row in rows]


def known_users(session: Session, team_id: str) -> dict[str, SlackUserRow]:
    """The Slack users found for the team's members by email, by person id."""
    rows = session.exec(select(SlackUserRow).where(SlackUserRow.team_id == team_id))
    return {row.person_id: row for row in rows}


def remember_user(
    session: Session, team_id: str, person_id: str, email: str, slack_user: str, now: datetime
) -> None:
    row = session.get(SlackUserRow, (team_id, person_id)) or SlackUserRow(
        team_id=team_id, person_id=person_id, email=email, slack_user=slack_user, looked_up_at=now
    )
    row.email, row.slack_user, row.looked_up_at = email, slack_user, now
    session.add(row)


def people_with_slack_user(session: Session, team_ids: list[str], slack_user: str) -> list[str]:
    """The person ids the user `slack_user` was found to be in these teams' workspaces."""
    query = select(SlackUserRow.person_id).where(
        col(SlackUserRow.team_id).in_(team_ids), SlackUserRow.slack_user == slack_user
    )
    return sorted(set(session.exec(query)))


def claim_many(session: Session, jobs: list[Job], worker: str, now: datetime) -> set[int]:
    """`api.repositories.reminders.claim_many` on the Slack queue."""
    return leases.claim_many(session, jobs, worker, now, table=SlackJobRow)


def release(session: Session, job_ids: list[int], worker: str, now: datetime) -> None:
    leases.release(session, job_ids, worker, now, table=SlackJobRow)


def settle(
    session: Session,
    job_id: int,
    status: Status,
    now: datetime,
    *,
    worker: str | None = None,
    expect: Status = Status.SENDING,
    error: str = "",
    retry_at: datetime | None = None,
) -> bool:
    """`api.repositories.reminders.settle` on the Slack queue."""
    return leases.settle(
        session,
        job_id,
        status,
        now,
        worker=worker,
        expect=expect,
        error=error,
        retry_at=retry_at,
        table=SlackJobRow,
    )


def expire(session: Session, now: datetime) -> int:
    """Pending handoff posts past their moment are missed, never posted late in a burst."""
    result = session.exec(
        update(SlackJobRow)
        .where(
            col(SlackJobRow.status) == Status.PENDING.value,
            col(SlackJobRow.expires_at) <= now,
        )
        .values(status=Status.MISSED.value, updated_at=now)
    )
    session.commit()
    return int(result.rowcount)


def move_job(
    session: Session,
    job_id: int,
    expect: Status,
    status: Status,
    now: datetime,
    attempt_at: datetime | None = None,
) -> int:
    """A conditional state change: a job a delivery loop claimed meanwhile is left to it."""
    values: dict[str, object] = {"status": status.value, "updated_at": now}
    if attempt_at is not None:
        values.update(next_attempt_at=attempt_at, attempts=0)
    result = session.exec(
        update(SlackJobRow)
        .where(col(SlackJobRow.id) == job_id, col(SlackJobRow.status) == expect.value)
        .values(**values)
    )
    return int(result.rowcount)
