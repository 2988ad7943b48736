"""The planning half of a Slack pass: from a team's resolved schedule to queued Web API calls.

Each pass reads the resolved schedule (`api.views.resolved_entries`, overrides, swaps and time
off refills applied) from the start of the period before now to `HORIZON` ahead, and queues:
- for each user group, a job at every instant its membership changes (`rotation.slack`), and
  one for the membership it should have now unless the latest job already set that;
- for the team's channel, a job at every handoff where someone hands over.
Jobs the schedule no longer calls for are cancelled while pending. Keys make each change one
row however many processes plan at once: the second insert of a key fails, and that process
rolls the team back and leaves the work to the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api import views
from api.repositories.reminders import Status
from api.repositories.slack import (
    JobKind,
    add_job,
    last_group_jobs,
    move_job,
    new_job,
    open_jobs,
)
from api.tables.slack import SlackJobRow
from rotation import ScheduleEntry, Team, period, period_at
from rotation.slack import group_changes, handoffs
from rotation.slack_settings import SlackSettings

#: How far ahead changes are queued: they show in the API before they happen.
HORIZON = timedelta(days=7)
#: A handoff announcement that could not go out within this long after the handoff is missed:
#: nobody wants yesterday's handoff posted in the channel after an outage.
ANNOUNCE_LATE = timedelta(hours=1)


@dataclass(frozen=True)
class Planned:
    team: str
    queued: int
    cancelled: int


def window_start(team: Team, now: datetime) -> datetime:
    """The start of the period before the one holding `now`: far enough back to know who
    handed over at the last handoff and since when a group holds whom."""
    current = period_at(team.policy, now)
    if current is None:
        return now
    return period(team.policy, current.index - 1).start if current.index > 0 else current.start


def plan_team(session: Session, team: Team, settings: SlackSettings, now: datetime) -> Planned:
    """Queue `team`'s Slack jobs as of `now`; the caller commits (or rolls back on an
    `IntegrityError`: another process queued the same jobs first)."""
    since = window_start(team, now)
    until = now + HORIZON
    existing = {row.key: row for row in open_jobs(session, team.id, since)}
    for row in last_group_jobs(session, team.id, since):
        existing.setdefault(row.key, row)
    wanted: dict[str, SlackJobRow] = {}
    if not settings.bot_token or not (settings.usergroups or settings.channel):
        entries: list[ScheduleEntry] = []
    else:
        entries = views.resolved_entries(session, team, since, until)
    if settings.bot_token and settings.usergroups:
        _wanted_groups(team, settings, entries, since, until, now, existing, wanted)
    if settings.bot_token and settings.channel:
        for handoff in handoffs(entries, now - ANNOUNCE_LATE, until):
            row = new_job(
                team.id,
                JobKind.HANDOFF,
                settings.channel,
                handoff.at,
                (),
                now,
                expires_at=handoff.at + ANNOUNCE_LATE,
            )
            wanted[row.key] = row
    queued = 0
    for key, row in wanted.items():
        found = existing.get(key)
        if found is None:
            add_job(session, row)
            queued += 1
        elif found.status == Status.CANCELLED.value and found.id is not None:
            queued += move_job(
                session, found.id, Status.CANCELLED, Status.PENDING, now, max(found.at, now)
            )
    cancelled = 0
    for key, row in existing.items():
        if key not in wanted and row.status == Status.PENDING.value and row.id is not None:
            late = row.at <= now
            status = Status.MISSED if late else Status.CANCELLED
            cancelled += move_job(session, row.id, Status.PENDING, status, now)
    session.flush()
    return Planned(team.id, queued, cancelled)


def _wanted_groups(
    team: Team,
    settings: SlackSettings,
    entries: list[ScheduleEntry],
    since: datetime,
    until: datetime,
    now: datetime,
    existing: dict[str, SlackJobRow],
    wanted: dict[str, SlackJobRow],
) -> None:
    # Slack cannot empty a user group: while nobody is on, a group keeps its last members.
    changes = [c for c in group_changes(entries, settings.usergroups, since, until) if c.members]
    for group in set(settings.usergroups.values()):
        mine = [c for c in changes if c.usergroup == group]
        started = [c for c in mine if c.at <= now]
        ahead = [c for c in mine if c.at > now]
        if started:
            current = started[-1]
            # The latest job of this group already sets (or set) these members: nothing new.
            latest = max(
                (
                    r
                    for r in existing.values()
                    if r.kind == JobKind.USERGROUP.value
                    and r.target == group
                    and r.at <= now
                    and r.status != Status.CANCELLED.value
                ),
                key=lambda r: (r.at, r.id or 0),
                default=None,
            )
            if latest is not None and tuple(latest.members) == current.members:
                wanted[latest.key] = latest
            else:
                row = new_job(team.id, JobKind.USERGROUP, group, current.at, current.members, now)
                wanted[row.key] = row
        for change in ahead:
            row = new_job(team.id, JobKind.USERGROUP, group, change.at, change.members, now)
            wanted[row.key] = row
