"""What a calendar feed shows: one event per schedule entry, built from the resolved schedule.

Pure: it takes the entries (`api.views.resolved_entries`, overrides and swaps applied) and the
people's contact details, and never touches the database or the clock.

Identity (`UID`): the feed, the team, the slot (role) and the period's start, plus, for a
stretch that starts after its period does (an override, a swap, a split), the offset of its start
in seconds. The same stretch gets the same UID on every regeneration and restart; an override
that starts with the period keeps the period's UID and changes its content.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from api.people import Person
from rotation import ScheduleEntry, Source, Team

__all__ = [
    "FeedEvent",
    "FeedKind",
    "FeedScope",
    "TeamEntries",
    "event_uid",
    "feed_events",
    "team_page",
]

#: The domain part of every UID. Fixed, so a new public URL does not duplicate anybody's events.
UID_DOMAIN = "rota"


class FeedKind(StrEnum):
    TEAM = "team"
    MEMBER = "member"
    ALL = "all"


@dataclass(frozen=True)
class FeedScope:
    """Which feed: a team's, a person's (`member`, across their teams) or every team's."""

    kind: FeedKind
    team: str | None = None
    member: str | None = None

    @property
    def key(self) -> str:
        """The feed's name in the memory of published events: `team:payments`, `member:alice`,
        `all`."""
        if self.kind is FeedKind.TEAM:
            return f"team:{self.team}"
        if self.kind is FeedKind.MEMBER:
            return f"member:{self.member}"
        return "all"

    @property
    def uid_prefix(self) -> str:
        # Each feed has its own UIDs: the same turn reads differently in a team feed and in a
        # member's, and a client subscribed to both must not take one for the other.
        if self.kind is FeedKind.MEMBER:
            return f"member-{self.member}"
        return self.kind.value


@dataclass(frozen=True)
class TeamEntries:
    """A team and its resolved schedule entries, whole stretches (not clipped to the window)."""

    team: Team
    entries: Sequence[ScheduleEntry]


@dataclass(frozen=True)
class FeedEvent:
    """One event of a feed, `[start, end)` in UTC. `zone` is the IANA zone to write local times
    in, or None for UTC."""

    uid: str
    team: str
    start: datetime
    end: datetime
    summary: str
    description: str
    url: str
    zone: str | None = None

    @cached_property
    def content_hash(self) -> str:
        """What a subscriber sees of the event; SEQUENCE grows when it changes."""
        content = [
            self.summary,
            self.description,
            self.url,
            self.start.isoformat(),
            self.end.isoformat(),
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def event_uid(scope: FeedScope, team_id: str, entry: ScheduleEntry) -> str:
    """The stable UID of `entry` in the feed `scope` (see the module's docstring)."""
    period_start = entry.period.start.strftime("%Y%m%dT%H%M%SZ")
    uid = f"{scope.uid_prefix}-{team_id}-{entry.role.value}-{period_start}"
    offset = int((entry.start - entry.period.start).total_seconds())
    if offset:
        uid += f"-{offset}s"
    return f"{uid}@{UID_DOMAIN}"


def team_page(public_url: str, team_id: str) -> str:
    return f"{public_url.rstrip('/')}/?team={team_id}"


def feed_events(
    scope: FeedScope,
    teams: Sequence[TeamEntries],
    people: Mapping[str, Person],
    public_url: str,
    since: datetime,
    until: datetime,
) -> list[FeedEvent]:
    """The events of feed `scope` overlapping `[since, until)`, ordered by start, then UID.

    Each event is a whole stretch, even where it reaches past the window. A member feed keeps
    that member's stretches; the others keep every stretch, uncovered ones included.
    """
    events = []
    for item in teams:
        partners = _partners(item.entries)
        for entry in item.entries:
            if not (entry.start < until and since < entry.end):
                continue
            if scope.kind is FeedKind.MEMBER and entry.member != scope.member:
                continue
            events.append(_event(scope, item.team, entry, partners[id(entry)], people, public_url))
    return sorted(events, key=lambda e: (e.start, e.uid))


def _partners(entries: Sequence[ScheduleEntry]) -> dict[int, list[ScheduleEntry]]:
    """For each entry (by identity), the other slots' stretches it overlaps in its period."""
    by_period: dict[int, list[ScheduleEntry]] = defaultdict(list)
    for entry in entries:
        by_period[entry.period.index].append(entry)
    found: dict[int, list[ScheduleEntry]] = {}
    for entry in entries:
        found[id(entry)] = sorted(
            (
                other
                for other in by_period[entry.period.index]
                if other.role != entry.role and other.start < entry.end and entry.start < other.end
            ),
            key=lambda other: (other.start, other.role),
        )
    return found


def _event(
    scope: FeedScope,
    team: Team,
    entry: ScheduleEntry,
    partners: list[ScheduleEntry],
    people: Mapping[str, Person],
    public_url: str,
) -> FeedEvent:
    page = team_page(public_url, team.id)
    lines = []
    if scope.kind is FeedKind.MEMBER:
        summary = _member_summary(entry, partners, people)
    elif entry.member is None:
        summary = f"UNCOVERED: {entry.role.value}"
        lines.append(f"Nobody can take the {entry.role.value} slot here: ask a lead to cover it.")
    else:
        summary = f"{entry.role.value.capitalize()} on support: {_name(entry.member, people)}"
        lines.append(f"{entry.role.value.capitalize()}: {_contact(entry.member, people)}")
    if scope.kind is FeedKind.ALL:
        summary = f"{team.name}: {summary}"
    for partner in partners:
        if partner.member is None:
            lines.append(f"Paired with: nobody, the {partner.role.value} slot is UNCOVERED")
        else:
            lines.append(f"Paired with: {_contact(partner.member, people)} ({partner.role.value})")
    if entry.source is Source.OVERRIDE:
        lines.append("This stretch is an override of the rotation.")
    elif entry.source is Source.SWAP:
        lines.append("This turn comes from a swap.")
    lines.append(f"{team.name} rota: {page}")
    return FeedEvent(
        uid=event_uid(scope, team.id, entry),
        team=team.id,
        start=entry.start,
        end=entry.end,
        summary=summary,
        description="\n".join(lines),
        url=page,
        zone=team.policy.timezone if team.feed_local_times else None,
    )


def _member_summary(
    entry: ScheduleEntry, partners: list[ScheduleEntry], people: Mapping[str, Person]
) -> str:
    summary = f"On support ({entry.role.value})"
    if not partners:
        return summary
    names = [_name(p.member, people) if p.member else "nobody" for p in partners]
    if all(p.member is None for p in partners):
        other = partners[0].role.value
        return f"{summary}, {other} UNCOVERED"
    # Consecutive stretches of one partner (split by nothing visible here) read as one.
    names = [name for i, name in enumerate(names) if i == 0 or names[i - 1] != name]
    return f"{summary}, paired with {', then '.join(names)}"


def _name(member: str | None, people: Mapping[str, Person]) -> str:
    if member is None:
        return "nobody"
    person = people.get(member)
    return person.name if person else member


def _contact(member: str, people: Mapping[str, Person]) -> str:
    person = people.get(member)
    if person is None:
        return member
    contact = f"{person.name} <{person.email}>"
    return f"{contact}, chat {person.chat}" if person.chat else contact
