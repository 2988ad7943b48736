"""The coming weeks of a team as days of its own zone: who holds each slot, what was adjusted
(overrides, swaps) and who is off. Read from the resolved schedule, as the API answers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from api import repositories, views
from api.schemas import EntryPublic
from api.tables import TimeOffRow
from rotation import Team
from rotation.periods import local_day_start

#: Weeks shown at a time: a month and a bit, so the next month's first handoff is in sight.
WEEKS = 6


@dataclass(frozen=True)
class Duty:
    role: str
    member: str | None
    name: str
    source: str


@dataclass
class Day:
    day: date
    start: datetime
    today: bool
    duties: list[Duty] = field(default_factory=list)
    off: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Calendar:
    first: date
    days: list[Day]
    entries: list[EntryPublic]
    names: dict[str, str]
    previous: date
    next: date

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def team_calendar(session: Session, team: Team, now: datetime, first: date | None) -> Calendar:
    """`WEEKS` weeks from the Monday of `first` (default: this week, in the team's zone)."""
    zone = team.policy.zone
    today = now.astimezone(zone).date()
    start_day = week_start(first or today)
    days_count = 7 * WEEKS
    since = local_day_start(start_day, zone)
    until = local_day_start(start_day + timedelta(days=days_count), zone)
    entries = views.schedule_view(session, team, since, until).entries
    off_rows = repositories.time_off_rows(session, team.id, since=since, until=until)
    names = {p.id: p.name for p in repositories.people(session, _ids(entries, off_rows)).values()}
    days = []
    for offset in range(days_count):
        day = start_day + timedelta(days=offset)
        begin = local_day_start(day, zone)
        end = local_day_start(day + timedelta(days=1), zone)
        duties: list[Duty] = []
        for entry in entries:
            if entry.start < end and entry.end > begin:
                name = names.get(entry.member, entry.member) if entry.member else "UNCOVERED"
                duty = Duty(entry.role.value, entry.member, name, entry.source)
                if duty not in duties:
                    duties.append(duty)
        off = sorted(
            {
                names.get(r.person_id, r.person_id)
                for r in off_rows
                if r.start < end and r.end > begin
            }
        )
        days.append(Day(day, begin, day == today, duties, off))
    return Calendar(
        first=start_day,
        days=days,
        entries=entries,
        names=names,
        previous=start_day - timedelta(days=days_count),
        next=start_day + timedelta(days=days_count),
    )


def _ids(entries: list[EntryPublic], off_rows: list[TimeOffRow]) -> set[str | None]:
    ids: set[str | None] = {e.member for e in entries}
    ids.update(r.person_id for r in off_rows)
    return ids
