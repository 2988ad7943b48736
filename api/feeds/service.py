"""Building a feed for the API and the CLI: the window, the schedule, the people, the memory.

The schedule comes from `api.views.resolved_entries`, the one source of the resolved schedule,
read over whole periods so that every event is a whole stretch with its stable UID.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from api import repositories, views
from api.feeds.events import FeedKind, FeedScope, TeamEntries, feed_events
from api.feeds.render import Feed
from api.repositories import audit
from api.repositories import feeds as store
from rotation import (
    InvalidFeedScope,
    InvalidInterval,
    ScheduleEntry,
    Team,
    UnknownMember,
    WindowTooLong,
    period_at,
    require_aware,
)
from rotation.periods import local_day_start

__all__ = [
    "DEFAULT_AHEAD",
    "DEFAULT_BEHIND",
    "MAX_SPAN",
    "build_feed",
    "feed_window",
    "issue_token",
    "resolve_scope",
    "whole_stretches",
    "withdraw_token",
    "zone_of",
]

DEFAULT_BEHIND = timedelta(days=30)
DEFAULT_AHEAD = timedelta(days=180)
MAX_SPAN = timedelta(days=731)


def feed_window(
    since: datetime | date | None,
    until: datetime | date | None,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[datetime, datetime]:
    """The window `[since, until)` a feed covers: unless asked otherwise, the whole days in
    `zone` from 30 days before `now` to 180 days after it (a window that moves once a day, so
    that a feed keeps its ETag through the day); a date is the start of that day in `zone`.
    Given one end only, the window keeps its default length from it. At most two years long."""
    start = None if since is None else _instant("since", since, zone)
    end = None if until is None else _instant("until", until, zone)
    if start is None and end is None:
        today = now.astimezone(zone).date()
        start = local_day_start(today - DEFAULT_BEHIND, zone)
        end = local_day_start(today + DEFAULT_AHEAD + timedelta(days=1), zone)
    elif start is None:
        assert end is not None
        start = require_aware("since", end - DEFAULT_BEHIND - DEFAULT_AHEAD)
    elif end is None:
        end = require_aware("until", start + DEFAULT_BEHIND + DEFAULT_AHEAD)
    if end <= start:
        raise InvalidInterval("until", start, end)
    if end - start > MAX_SPAN:
        raise WindowTooLong("until", "two years")
    return start, end


def _instant(field: str, value: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return require_aware(field, value)
    return local_day_start(value, zone)


def zone_of(session: Session, scope: FeedScope) -> ZoneInfo:
    """The zone a feed reads dates in: the team's, the member's own (else UTC), or UTC."""
    if scope.kind is FeedKind.TEAM:
        assert scope.team is not None
        return repositories.get_team(session, scope.team).policy.zone
    if scope.kind is FeedKind.MEMBER:
        assert scope.member is not None
        person = repositories.people(session, [scope.member]).get(scope.member)
        if person is not None and person.timezone:
            return ZoneInfo(person.timezone)
    return ZoneInfo("UTC")


def build_feed(
    session: Session,
    scope: FeedScope,
    since: datetime,
    until: datetime,
    now: datetime,
    public_url: str,
    empty_since: datetime,
    as_of: datetime | None = None,
) -> Feed:
    """Feed `scope` over `[since, until)` as of `now`, its memory of published events updated
    (see `api.repositories.feeds.publish`, which shows what was withdrawn until `as_of`).
    `empty_since` is the Last-Modified of a feed with no event."""
    name, teams = _teams(session, scope, since, until)
    schedules = [TeamEntries(team, whole_stretches(session, team, since, until)) for team in teams]
    people = repositories.people(
        session, (entry.member for item in schedules for entry in item.entries)
    )
    events = feed_events(scope, schedules, people, public_url, since, until)
    published = store.publish(session, scope, events, since, until, now, as_of)
    return Feed(name, published, empty_since)


def whole_stretches(
    session: Session, team: Team, since: datetime, until: datetime
) -> list[ScheduleEntry]:
    """The team's resolved entries of every period overlapping `[since, until)`, unclipped."""
    first = period_at(team.policy, since)
    last = period_at(team.policy, until - timedelta(microseconds=1))
    low = first.start if first else since
    high = last.end if last else until
    return views.resolved_entries(session, team, low, high)


def _teams(
    session: Session, scope: FeedScope, since: datetime, until: datetime
) -> tuple[str, list[Team]]:
    if scope.kind is FeedKind.TEAM:
        assert scope.team is not None
        team = repositories.get_team(session, scope.team)
        return f"{team.name} on support", [team]
    if scope.kind is FeedKind.MEMBER:
        assert scope.member is not None
        person = repositories.people(session, [scope.member]).get(scope.member)
        if person is None:
            raise UnknownMember(scope.member)
        team_ids = repositories.teams_with_turns(session, scope.member, since, until)
        return f"{person.name}: on support", [repositories.get_team(session, t) for t in team_ids]
    return "Every team on support", repositories.list_teams(session)


def resolve_scope(
    session: Session, scope: FeedScope, team: str | None
) -> tuple[FeedScope, list[str]]:
    """Check that the feed `scope` names a team and a person that exist; return it with the
    member's teams (for `api.feeds.tokens.may_manage_feed`). `team`, given with a member
    feed, must be one of the member's teams."""
    if scope.team is not None:
        repositories.get_team_row(session, scope.team)
    if scope.member is None:
        return scope, []
    if not repositories.people(session, [scope.member]):
        raise UnknownMember(scope.member)
    member_teams = repositories.teams_of(session, scope.member)
    if team is not None:
        repositories.get_team_row(session, team)
        if team not in member_teams:
            raise InvalidFeedScope("team", f"{scope.member!r} is not a member of {team!r}")
    return scope, member_teams


def issue_token(
    session: Session, scope: FeedScope, actor: str, now: datetime
) -> tuple[store.FeedToken, str]:
    """Create a token for feed `scope` and record it in the audit log; the caller commits."""
    token, secret = store.create_token(session, scope, actor, now)
    _audit(session, actor, "feed-token.create", token, now, created=True)
    return token, secret


def withdraw_token(session: Session, token: store.FeedToken, actor: str, now: datetime) -> None:
    """Revoke `token` and record it in the audit log; the caller commits."""
    store.revoke_token(session, token.id, now)
    _audit(session, actor, "feed-token.revoke", token, now, created=False)


def _audit(
    session: Session,
    actor: str,
    action: str,
    token: store.FeedToken,
    now: datetime,
    *,
    created: bool,
) -> None:
    described = {
        "id": token.id,
        "scope": token.scope.kind.value,
        "team": token.scope.team,
        "member": token.scope.member,
        "created_by": token.created_by,
    }
    audit.record(
        session,
        at=now,
        actor=actor,
        action=action,
        team_id=token.scope.team,
        before=None if created else described,
        after=described if created else None,
    )
