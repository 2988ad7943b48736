"""Which reminders a resolved schedule calls for: pure functions of the entries and an instant.

Kinds (SPEC section 6):
- `turn_starts`: to a member, each of their lead times before a turn of theirs starts;
- `handoff`: at a handoff, to the outgoing and the incoming member of the slot;
- `turn_moved`: to a member a future turn of theirs was added to or removed from, found by
  comparing the turns they were last told about with the schedule now (`diff_turns`);
- `uncovered`: to the team's leads, as soon as an uncovered stretch lies inside the horizon.

A turn here is one schedule entry: one member in one slot within one period (an entry never
crosses a handoff). Every interval is half-open, `[start, end)`.

Time: a lead time is a real duration subtracted from an instant in UTC. A reminder 24 h before
a handoff is therefore 24 real hours before it, also across a DST change: the handoff keeps its
wall time (09:00), the reminder's wall time moves by the hour the clocks moved (08:00 the day
before spring-forward, 10:00 the day before fall-back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from rotation.availability import subtract_spans
from rotation.model import SLOTS, Role, ScheduleEntry

#: How long after a handoff its reminder is still worth sending (after a restart, say).
HANDOFF_GRACE = timedelta(hours=1)
#: The longest lead time a member may ask for; the reminder horizon is at least this long.
MAX_LEAD_TIME = timedelta(days=7)


class Kind(StrEnum):
    TURN_STARTS = "turn_starts"
    HANDOFF = "handoff"
    TURN_MOVED = "turn_moved"
    UNCOVERED = "uncovered"


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class Turn:
    """`member` holds `role` over `[start, end)`: what a member is told about, and remembered."""

    role: Role
    member: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Notice:
    """One reminder for one recipient, before it is fanned out over their channels.

    `at` is the instant it is about (the turn's start, the handoff, the uncovered stretch's
    start) and `end` the end of that turn or stretch. It is sent from `due` on and only before
    `expires`; after that it is missed. `recipient` is None for a team without leads.
    """

    kind: Kind
    role: Role
    recipient: str | None
    at: datetime
    end: datetime
    due: datetime
    expires: datetime
    lead: timedelta | None = None
    change: Change | None = None


def turns_of(entries: Iterable[ScheduleEntry], after: datetime, before: datetime) -> list[Turn]:
    """The turns of members (not uncovered stretches) that start in `(after, before)`."""
    return [
        Turn(e.role, e.member, e.start, e.end)
        for e in entries
        if e.member is not None and after < e.start < before
    ]


def diff_turns(
    known: Iterable[Turn], current: Iterable[Turn], after: datetime, before: datetime
) -> tuple[list[Turn], list[Turn]]:
    """Return the turns added and removed since `known`, among turns starting in
    `(after, before)`: the window both lists cover. Each list is in start order."""
    inside = [t for t in known if after < t.start < before]
    now = [t for t in current if after < t.start < before]
    old, new = set(inside), set(now)
    order = _turn_order
    return sorted(new - old, key=order), sorted(old - new, key=order)


def _turn_order(turn: Turn) -> tuple[datetime, int, str]:
    return turn.start, SLOTS.index(turn.role), turn.member


def moved_notices(
    added: Sequence[Turn], removed: Sequence[Turn], now: datetime
) -> list[tuple[Notice, Turn]]:
    """A `turn_moved` notice for each stretch of time a member gained or lost, due now and
    useless once it starts, each with the turn it belongs to (the added turn it is part of, or
    the removed turn it was part of).

    Time is compared per member and slot, not turn by turn: a turn cut short by an override
    tells its member what they lost (not that a shorter turn was added), and one cut in two
    tells them the middle they lost."""
    notices: list[tuple[Notice, Turn]] = []
    for change, turns, others in (
        (Change.ADDED, added, removed),
        (Change.REMOVED, removed, added),
    ):
        for turn in turns:
            for start, end in _minus(turn, others):
                notice = Notice(
                    Kind.TURN_MOVED, turn.role, turn.member, start, end, now, start, change=change
                )
                notices.append((notice, turn))
    return notices


def _minus(turn: Turn, others: Sequence[Turn]) -> list[tuple[datetime, datetime]]:
    """The parts of `turn` that no turn of `others` of the same member and slot covers."""
    mine = [(o.start, o.end) for o in others if (o.role, o.member) == (turn.role, turn.member)]
    return subtract_spans(turn.start, turn.end, mine)


def lead_times_due(
    start: datetime, lead_times: Iterable[timedelta], now: datetime
) -> list[timedelta]:
    """The lead times worth a reminder for a turn starting at `start`, seen at `now`.

    Each lead time whose moment is still ahead, and of those already passed only the shortest:
    a turn that appears 30 minutes before it starts gets one reminder, not a 24 h and a 1 h one
    at once.
    """
    leads = sorted(set(lead_times), reverse=True)
    ahead = [lead for lead in leads if start - lead > now]
    passed = [lead for lead in leads if start - lead <= now]
    return ahead + passed[-1:]


def turn_start_notices(
    entries: Sequence[ScheduleEntry],
    now: datetime,
    until: datetime,
    lead_times_of: Callable[[str], Iterable[timedelta]],
) -> list[Notice]:
    """`turn_starts` notices for turns starting in `(now, until)`, each of the member's lead
    times before the start (`lead_times_due`). A turn that continues the member's previous
    one in the same slot (back to back) is not a new start and gets none."""
    ends = {(e.role, e.end): e.member for e in entries}
    notices = []
    for turn in turns_of(entries, now, until):
        if ends.get((turn.role, turn.start)) == turn.member:
            continue
        for lead in lead_times_due(turn.start, lead_times_of(turn.member), now):
            notices.append(
                Notice(
                    Kind.TURN_STARTS,
                    turn.role,
                    turn.member,
                    turn.start,
                    turn.end,
                    due=turn.start - lead,
                    expires=turn.start,
                    lead=lead,
                )
            )
    return notices


def handoff_notices(
    entries: Sequence[ScheduleEntry], now: datetime, until: datetime
) -> list[Notice]:
    """`handoff` notices for every change of holder in a slot at an instant in `(now, until)`:
    one to the outgoing and one to the incoming member, due at the handoff. Either side may be
    uncovered (nobody to tell); the same member on both sides is no handoff."""
    notices = []
    for role in SLOTS:
        stretches = sorted((e for e in entries if e.role is role), key=lambda e: e.start)
        for before, after in pairwise(stretches):
            at = after.start
            if before.end != at or before.member == after.member or not now < at < until:
                continue
            for member in (before.member, after.member):
                if member is not None:
                    notices.append(
                        Notice(
                            Kind.HANDOFF,
                            role,
                            member,
                            at,
                            after.end,
                            due=at,
                            expires=at + HANDOFF_GRACE,
                        )
                    )
    return notices


def uncovered_notices(
    entries: Sequence[ScheduleEntry], now: datetime, until: datetime, leads: Sequence[str]
) -> list[Notice]:
    """`uncovered` notices, due now, for every uncovered stretch that has not ended and starts
    before `until`: one to each lead, or one to the team (recipient None) when it has none.
    Back-to-back uncovered entries of a slot (a time off across a handoff) are one stretch, one
    alert. Useful until the stretch ends."""
    recipients: Sequence[str | None] = list(leads) or [None]
    stretches: list[tuple[Role, datetime, datetime]] = []
    for role in SLOTS:
        for e in sorted((e for e in entries if e.role is role), key=lambda e: e.start):
            if e.member is not None:
                continue
            if stretches and stretches[-1][0] is role and stretches[-1][2] == e.start:
                stretches[-1] = (role, stretches[-1][1], e.end)
            else:
                stretches.append((role, e.start, e.end))
    return [
        Notice(Kind.UNCOVERED, role, lead, start, end, due=now, expires=end)
        for role, start, end in sorted(stretches, key=lambda s: (s[1], SLOTS.index(s[0])))
        if end > now and start < until
        for lead in recipients
    ]
