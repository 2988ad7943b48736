"""What every adjustment shares: locking the teams it touches and telling who was moved."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from api import repositories, views
from api.schemas.adjustments import ChangePublic, DutyPublic
from rotation import ScheduleEntry, Team, UnknownMember
from rotation.changes import schedule_changes
from rotation.errors import InvalidReference


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
