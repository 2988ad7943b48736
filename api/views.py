"""Read models shared by the HTTP API and the CLI, so both always give the same answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from api import repository
from api.schemas import (
    AllOnSupportPublic,
    EntryPublic,
    HolderPublic,
    OnSupportPublic,
    PeriodPublic,
    SchedulePublic,
)
from rotation import (
    BeyondPlan,
    InvalidInterval,
    Role,
    ScheduleEntry,
    Team,
    on_support,
    period_at,
    require_aware,
    resolve,
)
from rotation.errors import WindowTooLong
from rotation.periods import local_day_start

DEFAULT_SCHEDULE_SPAN = timedelta(days=28)
MAX_SCHEDULE_SPAN = timedelta(days=731)


def instant(field: str, value: datetime | date, team: Team) -> datetime:
    """An aware instant as given, or a date taken as the start of that day in the team's zone."""
    if isinstance(value, datetime):
        return require_aware(field, value)
    return local_day_start(value, team.policy.zone)


def on_support_view(session: Session, team: Team, at: datetime) -> OnSupportPublic:
    """Who is on support for `team` at `at`."""
    current = period_at(team.policy, at)
    rows = [] if current is None else repository.assignments(session, team.id, at, current.end)
    answer = on_support(team.policy, rows, at, repository.plan_end(session, team.id))
    contacts = repository.people(session, (e.member for e in answer.holders.values()))

    def holder(role: Role) -> HolderPublic | None:
        entry = answer.holders.get(role)
        if entry is None or entry.member is None:
            return None
        person = contacts[entry.member]
        return HolderPublic(
            id=person.id,
            name=person.name,
            email=person.email,
            chat=person.chat,
            source=entry.source,
        )

    return OnSupportPublic(
        team=team.id,
        at=answer.at,
        period=PeriodPublic(start=answer.period.start, end=answer.period.end)
        if answer.period
        else None,
        developer=holder(Role.DEVELOPER),
        operator=holder(Role.OPERATOR),
        uncovered=answer.uncovered,
        next_handoff=answer.next_handoff,
    )


def all_on_support_view(session: Session, at: datetime) -> AllOnSupportPublic:
    """Every team at `at`. A team whose plan ends before `at` says so in `detail` instead of
    failing the whole answer."""
    answers = []
    for team in repository.list_teams(session):
        try:
            answers.append(on_support_view(session, team, at))
        except BeyondPlan as exc:
            answers.append(
                OnSupportPublic(
                    team=team.id,
                    at=at,
                    period=None,
                    developer=None,
                    operator=None,
                    uncovered=[],
                    next_handoff=None,
                    detail=str(exc),
                )
            )
    return AllOnSupportPublic(at=at, teams=answers)


def schedule_view(
    session: Session, team: Team, since: datetime, until: datetime | None
) -> SchedulePublic:
    """The resolved schedule of `team` in `[since, until)` (default four weeks), clipped to it."""
    until = until or since + DEFAULT_SCHEDULE_SPAN
    if until <= since:
        raise InvalidInterval("until", since, until)
    if until - since > MAX_SCHEDULE_SPAN:
        raise WindowTooLong("until", "two years")
    entries = resolve(repository.assignments(session, team.id, since, until), since, until)
    return SchedulePublic(
        team=team.id,
        since=since,
        until=until,
        planned_until=repository.plan_end(session, team.id),
        entries=[entry_public(e) for e in entries],
    )


def entry_public(entry: ScheduleEntry) -> EntryPublic:
    return EntryPublic(
        role=entry.role,
        member=entry.member,
        start=entry.start,
        end=entry.end,
        period_start=entry.period.start,
        source=entry.source,
    )
