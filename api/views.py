"""Read models shared by the HTTP API and the CLI, so both always give the same answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from operator import attrgetter

from sqlmodel import Session

from api import published, repositories
from api.published import PublishedCache
from api.repositories import audit
from api.repositories import interrupts as carried_load
from api.schemas import (
    AllOnSupportPublic,
    EntryPublic,
    OnSupportPublic,
    SchedulePublic,
)
from api.schemas.audit import AuditEntryPublic, AuditPagePublic
from rotation import (
    Assignment,
    Budget,
    InvalidInterval,
    Member,
    Role,
    ScheduleEntry,
    Team,
    TimeOff,
    resolve,
    solver,
)
from rotation.errors import WindowTooLong
from rotation.fairness import FairnessReport, fairness_report
from rotation.periods import fairness_start

DEFAULT_SCHEDULE_SPAN = timedelta(days=28)
MAX_SCHEDULE_SPAN = timedelta(days=731)


def resolved_entries(
    session: Session, team: Team, since: datetime, until: datetime
) -> list[ScheduleEntry]:
    """The resolved schedule of `team` in `[since, until)`, entries clipped to it: the one source
    every reader (API, CLI, feeds, reminders) takes who holds a slot from."""
    assignments = repositories.assignments(session, team.id, since, until)
    return resolve(
        assignments, since, until, repositories.overrides(session, team.id, since, until)
    )


def on_support_view(
    session: Session,
    team: Team,
    at: datetime,
    *,
    contacts: bool = True,
    cache: PublishedCache | None = None,
) -> OnSupportPublic:
    """Who is on support for `team` at `at`; without `contacts` (an anonymous reader), names and
    roles only. `BeyondPlan` after the end of its plan."""
    standing = published.team_answer(
        session, cache or PublishedCache(), team.id, at, contacts=contacts
    )
    return standing.at(at)


def all_on_support_view(
    session: Session, at: datetime, *, contacts: bool = True, cache: PublishedCache | None = None
) -> AllOnSupportPublic:
    """Every team at `at`. A team whose plan ends before `at` says so in `detail` instead of
    failing the whole answer."""
    found = published.all_answers(session, cache or PublishedCache(), at, contacts=contacts)
    return AllOnSupportPublic(
        at=at, teams=[_answer_at(team_id, answer, at) for team_id, answer in found.items()]
    )


def _answer_at(team_id: str, answer: published.Answer, at: datetime) -> OnSupportPublic:
    if answer.standing is not None:
        return answer.standing.at(at)
    return beyond_plan_answer(team_id, answer, at)


def beyond_plan_answer(team_id: str, answer: published.Answer, at: datetime) -> OnSupportPublic:
    """The answer of a team whose plan does not reach `at`: nobody, and why."""
    return OnSupportPublic(
        team=team_id,
        at=at,
        period=None,
        developer=None,
        operator=None,
        uncovered=[],
        next_handoff=None,
        detail=str(answer.beyond),
    )


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
        planned_until=repositories.plan_end(session, team.id),
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
    plan_end = repositories.plan_end(session, team.id) or window_start
    start = since or window_start
    end = until or max(plan_end, start + timedelta(days=1))
    if end <= start:
        raise InvalidInterval("until", start, end)
    if end - start > MAX_FAIRNESS_SPAN:
        raise WindowTooLong("until", "ten years")
    members = repositories.list_members(session, team.id)
    time_off = repositories.time_off_of(session, [m.id for m in members])
    entries = resolved_entries(session, team, start, end)
    bounds: dict[Role, float] = {}
    if with_bounds and start == window_start and end == plan_end:
        published = repositories.assignments(session, team.id)
        bounds = report_bounds(team, members, time_off, published, now, budget, session)
    carried = carried_load.carried(session, team.id, start, end)
    weight = carried_load.interrupt_weight(session, team.id)
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
    carried = carried_load.planner_load(session, team.id)
    return solver.balance_bounds(team, members, future, time_off, started, quick, carried)


def audit_page(
    session: Session, team: str | None, limit: int = audit.DEFAULT_LIMIT, before: int | None = None
) -> AuditPagePublic:
    """A page of the log, newest first: `limit` entries older than id `before`, of one team or
    all (a deleted team's history stays readable)."""
    page, more = audit.audit_rows(session, team, limit, before)
    return AuditPagePublic(
        entries=[AuditEntryPublic.of(row) for row in page],
        next=page[-1].id if more else None,
    )
