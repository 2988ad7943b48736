"""Read models shared by the HTTP API and the CLI, so both always give the same answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from operator import attrgetter

from sqlmodel import Session

from api import repository
from api.adjustments import store
from api.interrupts import store as interrupts
from api.schemas import (
    AllOnSupportPublic,
    EntryPublic,
    HolderPublic,
    OnSupportPublic,
    PeriodPublic,
    SchedulePublic,
)
from rotation import (
    Assignment,
    BeyondPlan,
    Budget,
    InvalidInterval,
    Member,
    Role,
    ScheduleEntry,
    Team,
    TimeOff,
    on_support,
    period_at,
    require_aware,
    resolve,
)
from rotation.errors import WindowTooLong
from rotation.fairness import FairnessReport, fairness_report
from rotation.periods import fairness_start, local_day_start
from rotation.solver import balance_bounds

DEFAULT_SCHEDULE_SPAN = timedelta(days=28)
MAX_SCHEDULE_SPAN = timedelta(days=731)


def instant(field: str, value: datetime | date, team: Team) -> datetime:
    """An aware instant as given, or a date taken as the start of that day in the team's zone."""
    if isinstance(value, datetime):
        return require_aware(field, value)
    return local_day_start(value, team.policy.zone)


def window(
    team: Team, since: datetime | date | None, until: datetime | date | None
) -> tuple[datetime | None, datetime | None]:
    """An optional query window: each end an instant, or a date read in the team's zone; an
    `until` not after `since` is refused naming `until`."""
    start = instant("since", since, team) if since else None
    end = instant("until", until, team) if until else None
    if start is not None and end is not None and end <= start:
        raise InvalidInterval("until", start, end)
    return start, end


def resolved_entries(
    session: Session, team: Team, since: datetime, until: datetime
) -> list[ScheduleEntry]:
    """The resolved schedule of `team` in `[since, until)`, entries clipped to it: the one source
    every reader (API, CLI, feeds, reminders) takes who holds a slot from."""
    assignments = repository.assignments(session, team.id, since, until)
    return resolve(assignments, since, until, store.overrides(session, team.id, since, until))


def on_support_view(session: Session, team: Team, at: datetime) -> OnSupportPublic:
    """Who is on support for `team` at `at`."""
    current = period_at(team.policy, at)
    rows = [] if current is None else repository.assignments(session, team.id, at, current.end)
    cuts = [] if current is None else store.overrides(session, team.id, at, current.end)
    answer = on_support(team.policy, rows, at, repository.plan_end(session, team.id), cuts)
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
    entries = resolved_entries(session, team, since, until)
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


#: The most a fairness report spends proving its lower bounds, in solver seconds.
REPORT_SECONDS = 1.0
#: The longest window a fairness report reads: a team's whole history stays reportable.
MAX_FAIRNESS_SPAN = timedelta(days=10 * 366)


def fairness_view(
    session: Session,
    team: Team,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    budget: Budget,
    with_bounds: bool = True,
) -> FairnessReport:
    """The fairness report (SPEC section 3) of `[since, until)`, by default the fairness window:
    from the team's first period (or `fairness_since`) to the end of the plan.

    Each role's lower bound is proven over the fairness window only, with the periods that have
    started as they are; a report over another window gives none. A report is a read: its bound
    gets at most `REPORT_SECONDS` of `budget`; `with_bounds=False` (the web page) skips it.
    """
    window_start = fairness_start(team)
    plan_end = repository.plan_end(session, team.id) or window_start
    start = since or window_start
    end = until or max(plan_end, start + timedelta(days=1))
    if end <= start:
        raise InvalidInterval("until", start, end)
    if end - start > MAX_FAIRNESS_SPAN:
        raise WindowTooLong("until", "ten years")
    members = repository.list_members(session, team.id)
    time_off = repository.time_off_of(session, [m.id for m in members])
    entries = resolved_entries(session, team, start, end)
    bounds: dict[Role, float] = {}
    if with_bounds and start == window_start and end == plan_end:
        published = repository.assignments(session, team.id)
        bounds = report_bounds(team, members, time_off, published, now, budget, session)
    carried = interrupts.carried(session, team.id, start, end)
    weight = interrupts.interrupt_weight(session, team.id)
    return fairness_report(
        team, members, time_off, entries, start, end, bounds or None, carried, weight
    )


def report_bounds(
    team: Team,
    members: list[Member],
    time_off: list[TimeOff],
    published: list[Assignment],
    now: datetime,
    budget: Budget,
    session: Session,
) -> dict[Role, float]:
    """The solver's lower bound per role on the fairness window, the periods that have started
    as they are, within at most `REPORT_SECONDS` of `budget` (a read, not a solve); carried
    load counts as the planner counts it."""
    started = [a for a in published if a.period.start <= now]
    future = sorted({a.period for a in published if a.period.start > now}, key=attrgetter("index"))
    quick = replace(budget, seconds=min(REPORT_SECONDS, budget.seconds))
    carried = interrupts.planner_load(session, team.id)
    return balance_bounds(team, members, future, time_off, started, quick, carried)
