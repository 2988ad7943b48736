"""Domain objects of a rotation: plain, frozen and typed.

Instants are timezone-aware `datetime`s in UTC. Calendar facts that belong to a team's wall clock
(the start date, joined/left, the handoff time) are `date`/`time` read in the team's zone.
Every interval is half-open, `[start, end)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rotation.errors import InvalidInterval, NaiveDatetime, OutOfRange


class Role(StrEnum):
    DEVELOPER = "developer"
    OPERATOR = "operator"


#: The slots of every period, in the order they are reported.
SLOTS: tuple[Role, ...] = (Role.DEVELOPER, Role.OPERATOR)


def other_slot(role: Role) -> Role:
    """The slot of a period that `role` is not."""
    return Role.OPERATOR if role is Role.DEVELOPER else Role.DEVELOPER


#: The calendar Rota plans in. Far dates ("left = 9999-12-31" for "never") would overflow the
#: arithmetic around them, and no rotation needs them.
EARLIEST = date(1970, 1, 1)
LATEST = date(2200, 12, 31)


def require_in_range(field_name: str, value: date) -> date:
    """Return `value` (a date or a datetime) if it lies in `[EARLIEST, LATEST]`."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise OutOfRange(field_name, value, EARLIEST, LATEST)
    return value


def require_aware(field_name: str, value: datetime) -> datetime:
    """Return `value` converted to UTC; raise `NaiveDatetime` if it has no zone, `OutOfRange`
    if it lies outside the planning calendar."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(field_name, value)
    require_in_range(field_name, value)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Policy:
    """How a team's periods are laid out.

    `period_days` is the period length in local calendar days (7 for `1w`). Handoffs happen at
    `handoff_time` local wall time in `timezone`; when `handoff_weekday` is set (0 is Monday) the
    first period starts on the first such weekday on or after `start`, otherwise on `start`.
    """

    timezone: str
    period_days: int
    handoff_time: time
    start: date
    handoff_weekday: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class DayWeights:
    """How heavy a local day of support is, by kind (SPEC section 3)."""

    weekday: float = 1.0
    weekend: float = 1.5
    holiday: float = 2.0

    def of(self, day: date, holidays: frozenset[date]) -> float:
        if day in holidays:
            return self.holiday
        return self.weekend if day.weekday() >= 5 else self.weekday


@dataclass(frozen=True)
class Team:
    """A team and its rotation rules.

    `holidays` names a calendar of the `holidays` package (`DE` or `DE-BE`); `extra_holidays` adds
    the team's own days to it. The fairness window starts at the first period, or on
    `fairness_since` (a local date) when set. With `swap_approval`, a swap two members agreed
    on waits for a lead's approval. `feed_local_times` writes the team's calendar feeds in its
    local time (`TZID`) instead of UTC.
    """

    id: str
    name: str
    policy: Policy
    holidays: str | None = None
    frozen_periods: int = 2
    notify: NotifyPolicy = field(default_factory=lambda: NotifyPolicy())
    weights: DayWeights = field(default_factory=DayWeights)
    extra_holidays: frozenset[date] = frozenset()
    fairness_since: date | None = None
    swap_approval: bool = False
    #: Member ids told about uncovered slots (SPEC section 6).
    leads: tuple[str, ...] = ()
    feed_local_times: bool = False
    stability_tolerance: float = 0.5

    @property
    def timezone(self) -> str:
        return self.policy.timezone


@dataclass(frozen=True)
class Member:
    """A member of one team. `joined` and `left` are inclusive days in the team's zone."""

    id: str
    name: str
    email: str
    roles: frozenset[Role]
    weight: float = 1.0
    joined: date | None = None
    left: date | None = None
    chat: str | None = None
    timezone: str | None = None

    @property
    def role_weight(self) -> float:
        """The capacity the member brings to each of their roles. Someone who holds both roles
        splits their weight between them: counting it whole in each would set them a full
        share of both, which nobody can serve."""
        return self.weight / max(1, len(self.roles))


@dataclass(frozen=True)
class Period:
    """One turn of the rotation, `[start, end)` in UTC; `index` 0 is the team's first period."""

    index: int
    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class TimeOff:
    """An interval `[start, end)` during which `member` cannot be assigned.

    With `role` set, the member is unavailable for that slot only: they cover the other slot
    by an override meanwhile, and nobody holds both slots at once. Such an entry is not time
    off for the fairness count (the member is at work)."""

    member: str
    start: datetime
    end: datetime
    reason: str = ""
    role: Role | None = None

    def __post_init__(self) -> None:
        require_aware("time_off.start", self.start)
        require_aware("time_off.end", self.end)
        if self.end <= self.start:
            raise InvalidInterval("time_off", self.start, self.end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


class Source(StrEnum):
    ROTATION = "rotation"
    OVERRIDE = "override"
    SWAP = "swap"


@dataclass(frozen=True)
class Assignment:
    """`member` holds `role` for the whole of `period`; `member` is None when nobody could.

    `source` is `SWAP` when two members exchanged it after it was planned."""

    role: Role
    period: Period
    member: str | None
    source: Source = Source.ROTATION

    @property
    def uncovered(self) -> bool:
        return self.member is None


@dataclass(frozen=True)
class Override:
    """For `[start, end)`, `member` replaces whoever the rotation put in the `role` slot.

    It may cover part of a period or span several; it wins over the assignments it overlaps.
    `id` is the stored override's id, None before it is stored."""

    role: Role
    member: str
    start: datetime
    end: datetime
    id: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        require_aware("override.start", self.start)
        require_aware("override.end", self.end)
        if self.end <= self.start:
            raise InvalidInterval("end", self.start, self.end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class ScheduleEntry:
    """A contiguous stretch `[start, end)` of one member (or nobody) in one slot of one period."""

    role: Role
    member: str | None
    start: datetime
    end: datetime
    period: Period
    source: Source = Source.ROTATION


@dataclass(frozen=True)
class OnSupport:
    """Who holds each slot at the instant `at`.

    `period` is None before the team's first period. `holders` maps each slot to its schedule
    entry at `at`; an entry whose member is None is an uncovered slot.
    """

    at: datetime
    period: Period | None
    holders: dict[Role, ScheduleEntry] = field(default_factory=dict)
    next_handoff: datetime | None = None

    @property
    def uncovered(self) -> list[Role]:
        return [
            role for role in SLOTS if role in self.holders and self.holders[role].member is None
        ]


class Channel(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    WEBHOOK = "webhook"
    LOG = "log"


@dataclass(frozen=True)
class NotifyPolicy:
    """How a team is reminded. Secrets are references (`env:NAME`), never values."""

    channels: tuple[Channel, ...] = (Channel.LOG,)
    lead_times: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    slack_webhook: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass(frozen=True)
class MemberNotify:
    """A member's own reminder settings; None keeps the team's. Secrets are references
    (`env:NAME`), never values. The handoff note is set through the API only."""

    channels: tuple[Channel, ...] | None = None
    lead_times: tuple[timedelta, ...] | None = None
    slack_webhook: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    handoff_note: str = ""

    def effective_channels(self, team: NotifyPolicy) -> tuple[Channel, ...]:
        return self.channels if self.channels is not None else team.channels

    def effective_lead_times(self, team: NotifyPolicy) -> tuple[timedelta, ...]:
        return self.lead_times if self.lead_times is not None else team.lead_times
