"""What `/rota` answers: the schedule read for Slack, turned into messages.

Every answer is database reads only (no call to Slack), so it comes well within Slack's 3 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from api import repositories, views
from api.repositories import slack as store
from api.slack.delivery import SLACK_USER_PREFIXES
from api.slack.planner import window_start
from rotation import SLOTS, BeyondPlan, ScheduleEntry, Team, handoff, period_at
from rotation.slack import holders_at
from rotation.slack_messages import (
    Message,
    Person,
    Slot,
    Turn,
    me_message,
    next_message,
    refusal,
    who_message,
)

#: How far ahead `/rota me` looks, and how many turns it lists.
ME_HORIZON = timedelta(days=180)
ME_TURNS = 5


def slack_people(
    session: Session, team_id: str, members: Sequence[str | None]
) -> dict[str, Person]:
    """Each member as a `Person`, with their Slack user id when Rota knows it."""
    people = repositories.people(session, members)
    known = store.known_users(session, team_id)
    found = {}
    for member, person in people.items():
        chat = person.chat or ""
        user = chat if chat.startswith(SLACK_USER_PREFIXES) and chat.isalnum() else None
        if user is None and member in known and known[member].email == person.email:
            user = known[member].slack_user
        found[member] = Person(person.name, user)
    return found


def _since(entries: Sequence[ScheduleEntry], entry: ScheduleEntry) -> datetime:
    """When the holder of `entry` took the slot: back over their earlier stretches in it."""
    since = entry.start
    while True:
        before = next(
            (
                e
                for e in entries
                if e.role is entry.role and e.end == since and e.member == entry.member
            ),
            None,
        )
        if before is None:
            return since
        since = before.start


def who(session: Session, team: Team, now: datetime, public: bool) -> Message:
    current = period_at(team.policy, now)
    if current is None:
        first = handoff(team.policy, 0)
        return refusal(f"{team.name}: the rotation starts {first.isoformat()}")
    plan_end = repositories.plan_end(session, team.id)
    if plan_end is None or now >= plan_end:
        return refusal(str(BeyondPlan("at", now, plan_end)))
    entries = views.resolved_entries(session, team, window_start(team, now), current.end)
    holding = {e.role: e for e in entries if e.start <= now < e.end}
    people = slack_people(session, team.id, [e.member for e in holding.values()])
    slots = []
    for role in SLOTS:
        entry = holding.get(role)
        if entry is None or entry.member is None:
            slots.append(Slot(role, None))
        else:
            slots.append(Slot(role, people[entry.member], _since(entries, entry), entry.end))
    return who_message(team.name, team.timezone, slots, current.end, public)


def next_up(session: Session, team: Team, now: datetime, public: bool) -> Message:
    current = period_at(team.policy, now)
    at = current.end if current else handoff(team.policy, 0)
    plan_end = repositories.plan_end(session, team.id)
    if plan_end is None or at >= plan_end:
        return next_message(team.name, team.timezone, None, [], public)
    entries = views.resolved_entries(session, team, at, at + timedelta(seconds=1))
    holders = holders_at(entries, at)
    people = slack_people(session, team.id, list(holders.values()))
    slots = [Slot(role, people.get(holders[role] or "")) for role in SLOTS]
    return next_message(team.name, team.timezone, at, slots, public)


def my_turns(
    session: Session, teams: Sequence[Team], member: str, now: datetime, public: bool
) -> Message:
    """The next turns of `member` in `teams` (a turn under way included), soonest first."""
    turns: list[Turn] = []
    for team in teams:
        if team.id not in repositories.teams_of(session, member):
            continue
        plan_end = repositories.plan_end(session, team.id)
        if plan_end is None or plan_end <= now:
            continue
        since = window_start(team, now)
        entries = views.resolved_entries(session, team, since, min(plan_end, now + ME_HORIZON))
        mine = sorted((e for e in entries if e.member == member), key=lambda e: e.start)
        for entry in mine:
            previous = turns[-1] if turns else None
            if (
                previous is not None
                and previous.team == team.name
                and previous.role is entry.role
                and previous.end == entry.start
            ):
                turns[-1] = Turn(team.name, team.timezone, entry.role, previous.start, entry.end)
            else:
                turns.append(Turn(team.name, team.timezone, entry.role, entry.start, entry.end))
    upcoming = sorted((t for t in turns if t.end > now), key=lambda t: t.start)[:ME_TURNS]
    name = repositories.people(session, [member])[member].name
    return me_message(name, upcoming, public)
