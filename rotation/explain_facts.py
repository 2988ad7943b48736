"""What an explanation (`rotation.explain`) is computed from: the turn, the fairness report of
the role over windows from the start of the fairness window, and the hard facts that keep a
member out of a turn. Intervals are half-open `[start, end)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rotation.availability import Availability, employment
from rotation.fairness import RoleReport, fairness_report
from rotation.load import load, team_holidays
from rotation.model import (
    SLOTS,
    Assignment,
    Member,
    Override,
    Period,
    Role,
    ScheduleEntry,
    Source,
    Team,
    TimeOff,
    other_slot,
)
from rotation.periods import fairness_start
from rotation.resolve import resolve


@dataclass(frozen=True)
class Turn:
    """The turn explained: the override's stretch when `entry` (the slot's entry at the instant
    asked about) is an override, else the whole period, whose stretches no override took."""

    role: Role
    period: Period
    entry: ScheduleEntry

    @property
    def by_override(self) -> bool:
        return self.entry.source is Source.OVERRIDE

    @property
    def start(self) -> datetime:
        return self.entry.start if self.by_override else self.period.start

    @property
    def end(self) -> datetime:
        return self.entry.end if self.by_override else self.period.end

    def holds(self, entry: ScheduleEntry) -> bool:
        """Whether `entry` (possibly clipped to a window) is part of this turn."""
        if entry.role != self.role or entry.period.index != self.period.index:
            return False
        if self.by_override:
            return (
                entry.source is Source.OVERRIDE
                and self.entry.start <= entry.start
                and entry.end <= self.entry.end
            )
        return entry.source is not Source.OVERRIDE


class Reports:
    """The role's fairness report over `[fairness start, end)` for any `end`."""

    def __init__(
        self,
        team: Team,
        members: Sequence[Member],
        time_off: Sequence[TimeOff],
        assignments: Sequence[Assignment],
        overrides: Sequence[Override],
        role: Role,
    ) -> None:
        self.team, self.members, self.time_off = team, members, time_off
        self.assignments, self.overrides, self.role = assignments, overrides, role
        self.since = fairness_start(team)

    def entries(self, end: datetime) -> list[ScheduleEntry]:
        if end <= self.since:
            return []
        return resolve(self.assignments, self.since, end, self.overrides)

    def until(self, end: datetime) -> RoleReport | None:
        return self.report(self.entries(end), end)

    def report(self, entries: Sequence[ScheduleEntry], end: datetime) -> RoleReport | None:
        """The role's report of `entries` over `[fairness start, end)`; None when empty."""
        if end <= self.since:
            return None
        found = fairness_report(self.team, self.members, self.time_off, entries, self.since, end)
        return found.roles[SLOTS.index(self.role)]

    def load_of(self, entry: ScheduleEntry) -> float:
        zone = self.team.policy.zone
        years = tuple(range(entry.start.astimezone(zone).year, entry.end.astimezone(zone).year + 1))
        holidays = team_holidays(self.team, years)
        return load(entry.start, entry.end, zone, holidays, self.team.weights)


@dataclass(frozen=True)
class TurnFacts:
    """The facts about one turn that keep members out of it."""

    turn: Turn
    zone: ZoneInfo
    time_off: Sequence[TimeOff]
    availability: Availability
    #: The resolved entries of the turn's period and its two neighbours.
    nearby: list[ScheduleEntry]

    @classmethod
    def of(
        cls,
        team: Team,
        members: Sequence[Member],
        time_off: Sequence[TimeOff],
        assignments: Sequence[Assignment],
        overrides: Sequence[Override],
        turn: Turn,
    ) -> TurnFacts:
        index = turn.period.index
        near = [a for a in assignments if abs(a.period.index - index) <= 1]
        start = min(a.period.start for a in near)
        end = max(a.period.end for a in near)
        zone = team.policy.zone
        return cls(
            turn,
            zone,
            time_off,
            Availability(members, time_off, zone),
            resolve(near, start, end, overrides),
        )

    def local(self, instant: datetime) -> str:
        return f"{instant.astimezone(self.zone):%Y-%m-%d %H:%M %Z}"


def hard_reasons(facts: TurnFacts, member: Member) -> list[tuple[str, str]]:
    """The hard constraints that keep `member` out of the turn: `(reason, words)` pairs."""
    turn = facts.turn
    found: list[tuple[str, str]] = []
    first, last = employment(member, facts.zone)
    if first is not None and first > turn.start:
        found.append(("not_joined", f"joins on {member.joined}, after the turn starts"))
    if last is not None and last < turn.end:
        found.append(("left", f"left after {member.left}, before the turn ends"))
    if facts.availability.on_time_off(member.id, turn.start, turn.end, turn.role):
        away = min(
            (
                t
                for t in facts.time_off
                if t.member == member.id
                and t.overlaps(turn.start, turn.end)
                and t.role in (None, turn.role)
            ),
            key=lambda t: (t.start, t.end),
        )
        why = f" ({away.reason})" if away.reason else ""
        found.append(
            ("time_off", f"time off {facts.local(away.start)} to {facts.local(away.end)}{why}")
        )
    other = other_slot(turn.role)
    held = [
        e
        for e in facts.nearby
        if e.role == other and e.member == member.id and e.start < turn.end and turn.start < e.end
    ]
    if held:
        found.append(
            (
                "other_slot",
                f"holds the {other.value} slot {facts.local(held[0].start)} to "
                f"{facts.local(held[0].end)}",
            )
        )
    return found


def rest_reasons(facts: TurnFacts, member: Member) -> list[tuple[str, str]]:
    """The rest rule: `member` holds the role in the period just before or just after."""
    turn = facts.turn
    mine = [e for e in facts.nearby if e.role == turn.role and e.member == member.id]
    found: list[tuple[str, str]] = []
    if any(e.period.end == turn.period.start for e in mine):
        found.append(("rest", f"holds the {turn.role.value} slot the period before"))
    if any(e.period.start == turn.period.end for e in mine):
        found.append(("rest", f"holds the {turn.role.value} slot the period after"))
    return found
