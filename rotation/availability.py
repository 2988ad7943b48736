"""Hard constraints on who may hold a slot of a period.

A member may hold `role` in a period when they hold that role, the period lies wholly inside their
employment (`joined` is the first employed day and `left` the last, both inclusive, in the team's
zone), and the period does not overlap any of their time off (nor, for that role, an override
that puts them in the other slot). That nobody holds two slots of one
period is the scheduler's own rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rotation.model import Member, Period, Role, TimeOff
from rotation.periods import local_day_start


def employment(member: Member, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Return `[start, end)` of the member's employment in UTC; None for an open side."""
    start = local_day_start(member.joined, zone) if member.joined else None
    end = local_day_start(member.left + timedelta(days=1), zone) if member.left else None
    return start, end


class Availability:
    """Answers whether a member may be assigned a period, for one team."""

    def __init__(self, members: Iterable[Member], time_off: Iterable[TimeOff], zone: ZoneInfo):
        self.members = {member.id: member for member in members}
        self._employment = {mid: employment(m, zone) for mid, m in self.members.items()}
        self._time_off: dict[str, list[TimeOff]] = defaultdict(list)
        for entry in time_off:
            self._time_off[entry.member].append(entry)

    def employed_through(self, member_id: str, start: datetime, end: datetime) -> bool:
        first, last = self._employment[member_id]
        return (first is None or first <= start) and (last is None or end <= last)

    def on_time_off(
        self, member_id: str, start: datetime, end: datetime, role: Role | None = None
    ) -> bool:
        """True when time off of `member_id` overlaps `[start, end)`; with `role`, time off from
        that slot alone (see `TimeOff.role`) counts too."""
        return any(
            entry.overlaps(start, end) and (entry.role is None or entry.role is role)
            for entry in self._time_off.get(member_id, ())
        )

    def can_hold(self, member_id: str, role: Role, period: Period) -> bool:
        """True when `member_id` may hold `role` for the whole of `period`."""
        member = self.members.get(member_id)
        return (
            member is not None
            and role in member.roles
            and self.employed_through(member_id, period.start, period.end)
            and not self.on_time_off(member_id, period.start, period.end, role)
        )

    def candidates(self, role: Role, period: Period) -> list[str]:
        """Return, sorted by id, every member who may hold `role` for `period`."""
        return sorted(mid for mid in self.members if self.can_hold(mid, role, period))


def available_fraction(
    member: Member, time_off: Iterable[TimeOff], zone: ZoneInfo, since: datetime, until: datetime
) -> float:
    """The fraction of `[since, until)` in which `member` is employed and not on time off: what
    their capacity scales with (SPEC section 3)."""
    if until <= since:
        return 0.0
    first, last = employment(member, zone)
    start = since if first is None else max(since, first)
    end = until if last is None else min(until, last)
    if end <= start:
        return 0.0
    away = [
        (max(t.start, start), min(t.end, end))
        for t in time_off
        if t.member == member.id and t.role is None and t.overlaps(start, end)
    ]
    # Union of the time off: overlapping requests must not be subtracted twice.
    off = sum((b - a for a, b in merge_spans(away)), timedelta(0))
    return (end - start - off) / (until - since)


def merge_spans(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Merge overlapping or touching spans, in order."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract_spans(
    start: datetime, end: datetime, spans: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The parts of `[start, end)` that none of `spans` covers, in order."""
    parts = [(start, end)]
    for cut_start, cut_end in spans:
        parts = [
            piece
            for a, b in parts
            for piece in ((a, min(b, cut_start)), (max(a, cut_end), b))
            if piece[0] < piece[1]
        ]
    return parts
