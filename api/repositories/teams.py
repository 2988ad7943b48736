"""Teams, their members and the people behind them: rows to domain objects and back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, cast, func, text, update
from sqlmodel import Session, col, select

from api.people import Person
from api.tables import MemberRow, PersonRow, TeamRow
from rotation import (
    AlreadyExists,
    Channel,
    Member,
    NotifyPolicy,
    Policy,
    Role,
    Team,
    UnknownMember,
    UnknownTeam,
)
from rotation.model import DayWeights
from rotation.periods import format_handoff, format_period, parse_handoff, parse_period
from rotation.teamfile import SLUG

# Teams


def team_from_row(row: TeamRow) -> Team:
    days = parse_period(row.period)
    weekday, wall = parse_handoff(row.handoff, days)
    policy = Policy(row.timezone, days, wall, row.start, weekday)
    return Team(
        row.id,
        row.name,
        policy,
        row.holidays,
        row.frozen_periods,
        notify_from_json(row.notify),
        weights=DayWeights(row.weekday_weight, row.weekend_weight, row.holiday_weight),
        extra_holidays=frozenset(date.fromisoformat(day) for day in row.extra_holidays),
        fairness_since=row.fairness_since,
        swap_approval=row.swap_approval,
        leads=tuple(row.leads),
        feed_local_times=row.feed_local_times,
        stability_tolerance=row.stability_tolerance,
    )


def notify_to_json(notify: NotifyPolicy) -> dict[str, Any]:
    return {
        "channels": [c.value for c in notify.channels],
        "lead_times": [int(lead.total_seconds()) for lead in notify.lead_times],
        "slack_webhook": notify.slack_webhook,
        "webhook_url": notify.webhook_url,
        "webhook_secret": notify.webhook_secret,
    }


def notify_from_json(data: dict[str, Any]) -> NotifyPolicy:
    if not data:
        return NotifyPolicy()
    return NotifyPolicy(
        tuple(Channel(c) for c in data["channels"]),
        tuple(timedelta(seconds=s) for s in data["lead_times"]),
        data.get("slack_webhook"),
        data.get("webhook_url"),
        data.get("webhook_secret"),
    )


def get_team_row(session: Session, team_id: str) -> TeamRow:
    # Anything that is not a slug names no team (and must not reach the database: PostgreSQL
    # refuses NUL characters with an error, not an empty answer).
    row = session.get(TeamRow, team_id) if SLUG.fullmatch(team_id) else None
    if row is None:
        raise UnknownTeam(team_id)
    return row


def get_team(session: Session, team_id: str) -> Team:
    return team_from_row(get_team_row(session, team_id))


def list_teams(session: Session) -> list[Team]:
    return [team_from_row(row) for row in session.exec(select(TeamRow).order_by(col(TeamRow.id)))]


def team_revisions(session: Session, team_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Each team's revision (of `team_ids`, default every team) in one statement, in id
    order: its `version`, which every write moves in its transaction, and its `incarnation`.
    Equal revisions mean the same published state, in every process: what caches compare
    against (`api.published`, `api.feeds.copies`, the reminder loop)."""
    wanted = None if team_ids is None else [t for t in team_ids if SLUG.fullmatch(t)]
    if wanted is not None and len(wanted) == 1:
        # The read behind every single-team answer: a statement built once (building one costs
        # more than running it).
        found = session.execute(_ONE_REVISION, {"team": wanted[0]}).first()
        return {} if found is None else {wanted[0]: revision_of(found.version, found.incarnation)}
    # Every team's revision as one string, concatenated by the database: a thousand rows
    # fetched one by one cost a worker thread a step (and the GIL) each, and under concurrent
    # all-teams answers that fetch was most of their time.
    query = _ALL_REVISIONS  # behind every all-teams answer, however warm: built once
    if wanted is not None:
        query = query.where(col(TeamRow.id).in_(wanted))
    joined = session.execute(query).scalar()
    if not joined:
        return {}
    # Each item is `id:version:incarnation`; ids are slugs and incarnations tokens: neither
    # holds ':' or ','. The revision itself is spelled by `revision_of` alone.
    items = (item.split(":") for item in joined.split(","))
    revisions = {team: revision_of(int(version), born) for team, version, born in items}
    return dict(sorted(revisions.items()))


_ONE_REVISION = select(TeamRow.version, TeamRow.incarnation).where(
    col(TeamRow.id) == bindparam("team")
)
_ALL_REVISIONS = select(
    func.aggregate_strings(
        col(TeamRow.id) + ":" + cast(col(TeamRow.version), String) + ":" + TeamRow.incarnation,
        ",",
    )
)


def revision_of(version: int, incarnation: str) -> str:
    """A team's revision as answers and ETags carry it."""
    return f"{version}.{incarnation}"


def teams_by_id(session: Session, team_ids: Iterable[str]) -> dict[str, tuple[str, Team]]:
    """The teams `team_ids` with their revisions, in one statement."""
    query = select(TeamRow).where(col(TeamRow.id).in_(list(team_ids)))
    return {
        row.id: (revision_of(row.version, row.incarnation), team_from_row(row))
        for row in session.exec(query)
    }


def save_team(
    session: Session, team: Team, now: datetime, *, source: str | None = None, create: bool = False
) -> TeamRow:
    """Insert or update `team`; with `create`, an existing id is `AlreadyExists`."""
    row = session.get(TeamRow, team.id)
    if row is not None and create:
        raise AlreadyExists("team", team.id)
    if row is None:
        row = TeamRow(id=team.id, created_at=now, **_team_fields(team), updated_at=now)
    else:
        for key, value in _team_fields(team).items():
            setattr(row, key, value)
        row.updated_at = now
    if source is not None:
        row.source = source
    session.add(row)
    return row


def _team_fields(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "timezone": team.policy.timezone,
        "period": format_period(team.policy.period_days),
        "handoff": format_handoff(team.policy),
        "start": team.policy.start,
        "holidays": team.holidays,
        "frozen_periods": team.frozen_periods,
        "notify": notify_to_json(team.notify),
        "fairness_since": team.fairness_since,
        "weekday_weight": team.weights.weekday,
        "weekend_weight": team.weights.weekend,
        "holiday_weight": team.weights.holiday,
        "extra_holidays": [day.isoformat() for day in sorted(team.extra_holidays)],
        "swap_approval": team.swap_approval,
        "leads": list(team.leads),
        "feed_local_times": team.feed_local_times,
        "stability_tolerance": team.stability_tolerance,
    }


def delete_team(session: Session, team_id: str) -> None:
    session.delete(get_team_row(session, team_id))


# Members


def member_from_rows(member: MemberRow, person: PersonRow) -> Member:
    return Member(
        id=person.id,
        name=person.name,
        email=person.email,
        roles=frozenset(Role(r) for r in member.roles.split(",") if r),
        weight=member.weight,
        joined=member.joined,
        left=member.left,
        chat=person.chat,
        timezone=person.timezone,
    )


def list_members(session: Session, team_id: str) -> list[Member]:
    rows = session.exec(
        select(MemberRow, PersonRow)
        .join(PersonRow, col(PersonRow.id) == col(MemberRow.person_id))
        .where(MemberRow.team_id == team_id)
        .order_by(col(PersonRow.id))
    )
    return [member_from_rows(member, person) for member, person in rows]


def get_member(session: Session, team_id: str, member_id: str) -> Member:
    if not SLUG.fullmatch(member_id):
        raise UnknownMember(member_id, team_id)
    member = session.get(MemberRow, (team_id, member_id))
    person = session.get(PersonRow, member_id)
    if member is None or person is None:
        raise UnknownMember(member_id, team_id)
    return member_from_rows(member, person)


def save_member(session: Session, team_id: str, member: Member, *, create: bool = False) -> None:
    """Insert or update `member` of `team_id` and their person record."""
    row = session.get(MemberRow, (team_id, member.id))
    if row is not None and create:
        raise AlreadyExists("member", member.id)
    person = session.get(PersonRow, member.id) or PersonRow(id=member.id, name="", email="")
    person.name, person.email = member.name, member.email
    person.chat, person.timezone = member.chat, member.timezone
    session.add(person)
    session.flush()  # the member row refers to the person: insert it first
    row = row or MemberRow(team_id=team_id, person_id=member.id, roles="")
    row.roles = ",".join(sorted(r.value for r in member.roles))
    row.weight, row.joined, row.left = member.weight, member.joined, member.left
    session.add(row)


def remove_member(session: Session, team_id: str, member_id: str) -> None:
    """Take `member_id` off the team; their person record and past turns stay as history."""
    row = session.get(MemberRow, (team_id, member_id)) if SLUG.fullmatch(member_id) else None
    if row is None:
        raise UnknownMember(member_id, team_id)
    session.delete(row)


def people(session: Session, person_ids: Iterable[str | None]) -> dict[str, Person]:
    ids = {pid for pid in person_ids if pid}
    if not ids:
        return {}
    rows = session.exec(select(PersonRow).where(col(PersonRow.id).in_(ids)))
    return {r.id: Person(r.id, r.name, r.email, r.chat, r.timezone) for r in rows}


def teams_of(session: Session, person_id: str) -> list[str]:
    """The teams `person_id` is a member of (none for anything that is not an id)."""
    if not SLUG.fullmatch(person_id):
        return []
    query = select(MemberRow.team_id).where(MemberRow.person_id == person_id)
    return sorted(session.exec(query))


def team_exists(session: Session, team_id: str) -> bool:
    return session.get(TeamRow, team_id) is not None


def find_team(session: Session, team_id: str) -> Team | None:
    """The team, or None when there is none of that id."""
    row = session.get(TeamRow, team_id)
    return team_from_row(row) if row is not None else None


def record_plan_inputs(session: Session, team_id: str, fingerprint: str) -> bool:
    """Record `fingerprint` as the planning inputs of the team's last regeneration; False when
    they were already those (or there is no such team)."""
    row = session.get(TeamRow, team_id)
    if row is None or row.plan_inputs == fingerprint:
        return False
    row.plan_inputs = fingerprint
    session.add(row)
    return True


def ping(session: Session) -> None:
    """One round trip to the database (raises when it cannot be reached)."""
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]


def bump_version(session: Session, team_id: str) -> bool:
    """Raise the team's version in an UPDATE (the team's write lock); False if no such team."""
    result = session.exec(
        update(TeamRow).where(col(TeamRow.id) == team_id).values(version=TeamRow.version + 1)
    )
    return bool(result.rowcount)
