"""What every adjustment shares: locking the teams it touches and telling who was moved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session

from api import repositories, views
from api.adjustments.schemas import ChangePublic, DutyPublic
from rotation import InvalidInterval, ScheduleEntry, Team, UnknownMember
from rotation.changes import schedule_changes
from rotation.errors import InvalidReference, WindowTooLong
from rotation.periods import local_day_start

#: The longest time off or override one request may enter.
MAX_SPAN = timedelta(days=731)


def span(team: Team, start: datetime | date, end: datetime | date) -> tuple[datetime, datetime]:
    """`[start, end)` from API input: instants as given; a date `start` is the start of that day
    in the team's zone, a date `end` the end of that day (the last day, inclusive)."""
    first = views.instant("start", start, team)
    if isinstance(end, datetime):
        last = views.instant("end", end, team)
    else:
        last = local_day_start(end + timedelta(days=1), team.policy.zone)
    if last <= first:
        raise InvalidInterval("end", first, last)
    if last - first > MAX_SPAN:
        raise WindowTooLong("end", "two years")
    return first, last


def member_field(session: Session, team_id: str, field: str, person_id: str) -> None:
    """A body field must name a member of the team: a 422 naming the field otherwise."""
    try:
        repositories.get_member(session, team_id, person_id)
    except UnknownMember:
        raise InvalidReference(
            field, f"{person_id!r} is not a member of team {team_id!r}"
        ) from None


def future_schedule(session: Session, team: Team, since: datetime) -> list[ScheduleEntry]:
    """The resolved schedule from `since` to the end of the plan."""
    end = repositories.plan_end(session, team.id)
    if end is None or end <= since:
        return []
    return views.resolved_entries(session, team, since, end)


class Snapshot:
    """The resolved schedules of some teams from an instant on, taken before a change, to tell
    afterwards exactly which stretches changed holder."""

    def __init__(self, session: Session, team_ids: Iterable[str], since: datetime) -> None:
        self.session = session
        self.since = since
        self.teams = {t: repositories.get_team(session, t) for t in sorted(set(team_ids))}
        self.before = {t: future_schedule(session, team, since) for t, team in self.teams.items()}

    def changes(self) -> list[ChangePublic]:
        self.session.flush()
        changed: list[ChangePublic] = []
        for team_id, team in self.teams.items():
            after = future_schedule(self.session, team, self.since)
            changed.extend(
                ChangePublic.of(team_id, c) for c in schedule_changes(self.before[team_id], after)
            )
        return changed

    def on_duty(self, person_id: str, start: datetime, end: datetime) -> list[DutyPublic]:
        """Stretches of `person_id` within `[start, end)` in periods that have begun: no refill
        may change those, so a lead must cover them with an override."""
        duties: list[DutyPublic] = []
        for team_id, team in self.teams.items():
            for entry in future_schedule(self.session, team, self.since):
                if (
                    entry.member == person_id
                    and entry.period.start <= self.since
                    and entry.start < end
                    and start < entry.end
                ):
                    duties.append(DutyPublic.of(team_id, entry))
        return duties
