"""Slack, the pure parts: reading `/rota` command text, and deciding from the resolved
schedule who belongs in each user group at every instant and which handoffs to announce.

Times: schedule entries are half-open `[start, end)`; a group's membership changes exactly at
an entry's start (a handoff, or an override or swap beginning or ending), so a handoff at 09:00
local time is 07:00 or 08:00 UTC on either side of a DST change, whatever the period's length
in hours. Nothing here reads the clock: callers pass the instants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rotation.model import SLOTS, Role, ScheduleEntry

__all__ = [
    "Command",
    "GroupChange",
    "Handoff",
    "Verb",
    "group_changes",
    "group_members",
    "handoffs",
    "holders_at",
    "parse_command",
]


class Verb(StrEnum):
    WHO = "who"
    NEXT = "next"
    ME = "me"
    HELP = "help"


#: Words that make the answer visible to the whole channel instead of only to the asker.
PUBLIC_WORDS = frozenset({"public", "here", "channel"})


@dataclass(frozen=True)
class Command:
    """What `/rota ...` asks: the verb, the team named in the text (or None), whether the
    answer goes to the channel, and the words not understood (answered with the help)."""

    verb: Verb
    team: str | None = None
    public: bool = False
    not_understood: str = ""


def parse_command(text: str) -> Command:
    """Read the text after `/rota`. An empty text asks `who`; a lone word that is no verb is a
    team (`/rota payments` is `/rota who payments`); `public` anywhere shares the answer."""
    words = text.split()
    public = any(word.lower() in PUBLIC_WORDS for word in words)
    words = [word for word in words if word.lower() not in PUBLIC_WORDS]
    if not words:
        return Command(Verb.WHO, None, public)
    first = words[0].lower()
    rest = " ".join(words[1:]) or None
    if first in {v.value for v in Verb}:
        verb = Verb(first)
        if verb in (Verb.ME, Verb.HELP) and rest:
            return Command(Verb.HELP, None, public, text.strip())
        return Command(verb, rest, public)
    return Command(Verb.WHO, " ".join(words), public)


def holders_at(entries: Iterable[ScheduleEntry], at: datetime) -> dict[Role, str | None]:
    """Who holds each slot at `at` (None: uncovered, or no entry covers `at`)."""
    found: dict[Role, str | None] = dict.fromkeys(SLOTS)
    for entry in entries:
        if entry.start <= at < entry.end:
            found[entry.role] = entry.member
    return found


def group_members(
    usergroups: Mapping[str, str], holders: Mapping[Role, str | None]
) -> dict[str, tuple[str, ...]]:
    """Each user group's members for these holders: a role's group holds its holder, the
    `both` group everyone on; sorted member ids, empty when nobody is on."""
    members: dict[str, tuple[str, ...]] = {}
    for key, group in usergroups.items():
        roles = SLOTS if key == "both" else (Role(key),)
        members[group] = tuple(sorted({m for r in roles if (m := holders.get(r)) is not None}))
    return members


@dataclass(frozen=True)
class GroupChange:
    """From `at` on, `usergroup` should hold exactly `members` (member ids, sorted)."""

    usergroup: str
    at: datetime
    members: tuple[str, ...]


def group_changes(
    entries: Sequence[ScheduleEntry],
    usergroups: Mapping[str, str],
    since: datetime,
    until: datetime,
) -> list[GroupChange]:
    """The instants in `[since, until)` at which a group's membership differs from the
    instant before, by time then group. The membership at `since` counts as a change (it is
    what the group must hold now), so `since` should be the caller's now or earlier."""
    instants = sorted({since, *(e.start for e in entries if since < e.start < until)})
    changes: list[GroupChange] = []
    previous: dict[str, tuple[str, ...]] = {}
    for at in instants:
        wanted = group_members(usergroups, holders_at(entries, at))
        for group in sorted(wanted):
            if previous.get(group) != wanted[group]:
                changes.append(GroupChange(group, at, wanted[group]))
        previous = wanted
    return changes


@dataclass(frozen=True)
class Handoff:
    """At `at` (a period's first instant) the slots in `changes` change hands:
    `(role, outgoing, incoming)`, either member None when the slot was or becomes uncovered."""

    at: datetime
    changes: tuple[tuple[Role, str | None, str | None], ...]


def handoffs(entries: Sequence[ScheduleEntry], since: datetime, until: datetime) -> list[Handoff]:
    """The rotation's handoffs in `[since, until)` where someone hands over to someone else.
    A handoff is a period's start; `entries` must reach back into the period before `since`
    to know who hands over. A member who simply keeps a slot hands nothing over."""
    starts = sorted({e.period.start for e in entries if since <= e.period.start < until})
    found: list[Handoff] = []
    for at in starts:
        changes = []
        for role in SLOTS:
            ending = next((e for e in entries if e.role is role and e.end == at), None)
            starting = next((e for e in entries if e.role is role and e.start == at), None)
            if ending is None or starting is None:
                continue
            if ending.member != starting.member:
                changes.append((role, ending.member, starting.member))
        if changes:
            found.append(Handoff(at, tuple(changes)))
    return found
