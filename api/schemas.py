"""API schemas: what goes over the wire. Never table rows, never domain objects directly.

Naming follows the FastAPI full-stack template: `...Create`, `...Update`, `...Public`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from api.reminders.schemas import NotifyPublic
from rotation import (
    Member,
    OutOfRange,
    Policy,
    Role,
    Solve,
    Source,
    Team,
    require_in_range,
)
from rotation.errors import InvalidMember
from rotation.model import DayWeights
from rotation.periods import (
    format_handoff,
    format_period,
    parse_handoff,
    parse_period,
    parse_timezone,
)
from rotation.teamfile import (
    CONTROL,
    EMAIL,
    MAX_DAY_WEIGHT,
    MAX_EXTRA_HOLIDAYS,
    SLUG,
    STABILITY_TOLERANCE_MAX,
    check_holiday_calendar,
)


def _in_calendar(value: date) -> date:
    try:
        return require_in_range("date", value)
    except OutOfRange as exc:
        raise ValueError(str(exc).removeprefix("date ")) from None


def _no_duplicates(days: list[date]) -> list[date]:
    seen: set[date] = set()
    for day in days:
        if day in seen:
            raise ValueError(f"{day} is listed twice")
        seen.add(day)
    return sorted(days)


def _printable(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG.pattern, max_length=64)]
Email = Annotated[
    str, StringConstraints(pattern=EMAIL.pattern, max_length=320), AfterValidator(_printable)
]
Text = Annotated[str, AfterValidator(_printable)]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(_printable),
]
Chat = Annotated[str, StringConstraints(max_length=100), AfterValidator(_printable)]
Zone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_printable)]
Calendar = Annotated[str, StringConstraints(max_length=64), AfterValidator(_printable)]
CalendarDate = Annotated[date, AfterValidator(_in_calendar)]
Weight = Annotated[float, Field(gt=0, le=1)]
DayWeight = Annotated[float, Field(gt=0, le=MAX_DAY_WEIGHT, allow_inf_nan=False)]
ExtraHolidays = Annotated[
    list[CalendarDate],
    Field(max_length=MAX_EXTRA_HOLIDAYS, examples=[["2027-12-24", "2027-12-31"]]),
    AfterValidator(_no_duplicates),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Who is on support and the schedule


class PeriodPublic(BaseModel):
    start: datetime
    end: datetime


class HolderPublic(BaseModel):
    id: str
    name: str
    email: str
    chat: str | None = None
    source: Source


class OnSupportPublic(BaseModel):
    team: str
    at: datetime
    period: PeriodPublic | None
    developer: HolderPublic | None
    operator: HolderPublic | None
    uncovered: list[Role]
    next_handoff: datetime | None
    detail: str | None = Field(
        default=None, description="Why nobody is named, when the plan does not reach `at`."
    )


class AllOnSupportPublic(BaseModel):
    at: datetime
    teams: list[OnSupportPublic]


class EntryPublic(BaseModel):
    role: Role
    member: str | None
    start: datetime
    end: datetime
    period_start: datetime
    source: Source


class SchedulePublic(BaseModel):
    team: str
    since: datetime
    until: datetime
    planned_until: datetime | None = Field(
        description="End of the published plan; nothing is planned after it."
    )
    entries: list[EntryPublic]


# Teams


class WeightsPublic(Strict):
    """How heavy a local day of support is, by kind; a key left out keeps its default."""

    weekday: DayWeight = 1.0
    weekend: DayWeight = 1.5
    holiday: DayWeight = 2.0

    @classmethod
    def of(cls, weights: DayWeights) -> WeightsPublic:
        return cls(weekday=weights.weekday, weekend=weights.weekend, holiday=weights.holiday)

    def to_weights(self) -> DayWeights:
        return DayWeights(self.weekday, self.weekend, self.holiday)


class WeightsUpdate(Strict):
    """A change of some day weights; the others stay as they are."""

    weekday: DayWeight | None = None
    weekend: DayWeight | None = None
    holiday: DayWeight | None = None

    def apply(self, weights: DayWeights) -> DayWeights:
        return DayWeights(
            self.weekday if self.weekday is not None else weights.weekday,
            self.weekend if self.weekend is not None else weights.weekend,
            self.holiday if self.holiday is not None else weights.holiday,
        )


class TeamPublic(BaseModel):
    id: str
    name: str
    timezone: str
    period: str
    handoff: str
    start: date
    holidays: str | None
    frozen_periods: int
    fairness_since: date | None
    extra_holidays: list[date]
    weights: WeightsPublic
    swap_approval: bool = Field(description="Accepted swaps wait for a lead's approval.")
    leads: list[str] = Field(description="Member ids told about uncovered slots.")
    notify: NotifyPublic = Field(description="How the team is reminded; secrets by reference.")
    feed_local_times: bool = Field(
        description="Calendar feeds in the team's local time (TZID) instead of UTC."
    )
    stability_tolerance: float = Field(
        default=0.5,
        description="How much balance a regeneration may give up to keep the published plan, "
        "in periods of load per unit of weight.",
    )

    @classmethod
    def of(cls, team: Team) -> TeamPublic:
        return cls(
            id=team.id,
            name=team.name,
            timezone=team.policy.timezone,
            period=format_period(team.policy.period_days),
            handoff=format_handoff(team.policy),
            start=team.policy.start,
            holidays=team.holidays,
            frozen_periods=team.frozen_periods,
            fairness_since=team.fairness_since,
            extra_holidays=sorted(team.extra_holidays),
            weights=WeightsPublic.of(team.weights),
            swap_approval=team.swap_approval,
            leads=list(team.leads),
            notify=NotifyPublic.of(team.notify),
            feed_local_times=team.feed_local_times,
            stability_tolerance=team.stability_tolerance,
        )


Leads = Annotated[
    list[Slug],
    Field(max_length=50, description="Member ids of the team, told about uncovered slots."),
    AfterValidator(lambda leads: list(dict.fromkeys(leads))),
]


class TeamUpdate(Strict):
    name: Name | None = None
    timezone: Zone | None = Field(default=None, examples=["Europe/Berlin"])
    period: Text | None = Field(default=None, max_length=16, examples=["1w"])
    handoff: Text | None = Field(default=None, max_length=32, examples=["monday 09:00"])
    start: CalendarDate | None = None
    holidays: Calendar | None = Field(
        default=None, examples=["DE"], description="A calendar code; null removes it."
    )
    frozen_periods: int | None = Field(default=None, ge=0, le=52)
    fairness_since: CalendarDate | None = Field(
        default=None, description="Where the fairness window starts; null: the team's start."
    )
    extra_holidays: ExtraHolidays | None = Field(
        default=None, description="The team's own holidays; replaces the list."
    )
    weights: WeightsUpdate | None = Field(
        default=None, description="Day weights to change; the others stay."
    )
    swap_approval: bool | None = Field(
        default=None, description="Whether accepted swaps wait for a lead's approval."
    )
    leads: Leads | None = Field(default=None, description="Replaces the list.")
    notify: NotifyPublic | None = Field(default=None, description="Replaces the settings.")
    feed_local_times: bool | None = Field(
        default=None, description="Calendar feeds in local time (TZID) instead of UTC."
    )
    stability_tolerance: float | None = Field(
        default=None,
        ge=0,
        le=STABILITY_TOLERANCE_MAX,
        description="Balance a regeneration may give up to keep the published plan, in "
        "periods of load per unit of weight.",
    )

    def apply(self, team: Team) -> Team:
        """Return `team` with this update applied; raise a `RotationError` naming a bad field."""
        fields = self.model_fields_set
        policy = team.policy
        timezone = self.timezone if "timezone" in fields and self.timezone else policy.timezone
        parse_timezone(timezone)
        period_text = self.period if "period" in fields and self.period else None
        days = parse_period(period_text) if period_text else policy.period_days
        handoff_text = (
            self.handoff if "handoff" in fields and self.handoff else format_handoff(policy)
        )
        weekday, wall = parse_handoff(handoff_text, days)
        start = self.start if "start" in fields and self.start else policy.start
        holidays = self.holidays if "holidays" in fields else team.holidays
        if holidays:
            check_holiday_calendar(holidays)
        frozen = self.frozen_periods if self.frozen_periods is not None else team.frozen_periods
        # Like `holidays`, a nullable setting is cleared by null; the others ignore it.
        since = self.fairness_since if "fairness_since" in fields else team.fairness_since
        extra = (
            frozenset(self.extra_holidays)
            if self.extra_holidays is not None
            else team.extra_holidays
        )
        return Team(
            id=team.id,
            name=self.name or team.name,
            policy=Policy(timezone, days, wall, start, weekday),
            holidays=holidays or None,
            frozen_periods=frozen,
            notify=self.notify.to_notify() if self.notify is not None else team.notify,
            weights=self.weights.apply(team.weights) if self.weights else team.weights,
            extra_holidays=extra,
            fairness_since=since,
            swap_approval=team.swap_approval if self.swap_approval is None else self.swap_approval,
            leads=tuple(self.leads) if self.leads is not None else team.leads,
            feed_local_times=(
                self.feed_local_times
                if self.feed_local_times is not None
                else team.feed_local_times
            ),
            stability_tolerance=(
                self.stability_tolerance
                if self.stability_tolerance is not None
                else team.stability_tolerance
            ),
        )


class TeamCreate(Strict):
    id: Slug = Field(examples=["payments"])
    name: Name
    timezone: Zone = Field(examples=["Europe/Berlin"])
    period: Text = Field(max_length=16, examples=["1w"])
    handoff: Text = Field(max_length=32, examples=["monday 09:00"])
    start: CalendarDate
    holidays: Calendar | None = Field(default=None, examples=["DE"])
    frozen_periods: int = Field(default=2, ge=0, le=52)
    fairness_since: CalendarDate | None = None
    extra_holidays: ExtraHolidays = Field(default_factory=list)
    weights: WeightsPublic = Field(default_factory=WeightsPublic)
    swap_approval: bool = False
    leads: Leads = Field(default_factory=list)
    notify: NotifyPublic = Field(default_factory=NotifyPublic)
    feed_local_times: bool = False
    stability_tolerance: float = Field(
        default=0.5,
        ge=0,
        le=STABILITY_TOLERANCE_MAX,
        description="Balance a regeneration may give up to keep the published plan, in "
        "periods of load per unit of weight.",
    )

    def to_team(self) -> Team:
        days = parse_period(self.period)
        weekday, wall = parse_handoff(self.handoff, days)
        parse_timezone(self.timezone)
        if self.holidays:
            check_holiday_calendar(self.holidays)
        policy = Policy(self.timezone, days, wall, self.start, weekday)
        return Team(
            self.id,
            self.name,
            policy,
            self.holidays,
            self.frozen_periods,
            self.notify.to_notify(),
            weights=self.weights.to_weights(),
            extra_holidays=frozenset(self.extra_holidays),
            fairness_since=self.fairness_since,
            swap_approval=self.swap_approval,
            leads=tuple(self.leads),
            feed_local_times=self.feed_local_times,
            stability_tolerance=self.stability_tolerance,
        )


# Members


class MemberPublic(BaseModel):
    id: str
    name: str
    email: str
    roles: list[Role]
    weight: float
    joined: date | None
    left: date | None
    chat: str | None
    timezone: str | None

    @classmethod
    def of(cls, member: Member) -> MemberPublic:
        return cls(
            id=member.id,
            name=member.name,
            email=member.email,
            roles=sorted(member.roles),
            weight=member.weight,
            joined=member.joined,
            left=member.left,
            chat=member.chat,
            timezone=member.timezone,
        )


class MemberUpdate(Strict):
    name: Name | None = None
    email: Email | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    weight: Weight | None = None
    joined: CalendarDate | None = None
    left: CalendarDate | None = None
    chat: Chat | None = None
    timezone: Zone | None = None

    def apply(self, member: Member) -> Member:
        fields = self.model_fields_set
        updated = Member(
            id=member.id,
            name=self.name or member.name,
            email=self.email or member.email,
            roles=frozenset(self.roles) if self.roles else member.roles,
            weight=self.weight if self.weight is not None else member.weight,
            joined=self.joined if "joined" in fields else member.joined,
            left=self.left if "left" in fields else member.left,
            chat=self.chat if "chat" in fields else member.chat,
            timezone=self.timezone if "timezone" in fields else member.timezone,
        )
        return checked_member(updated)


class MemberCreate(Strict):
    id: Slug = Field(examples=["alice"])
    name: Name
    email: Email
    roles: list[Role] = Field(min_length=1)
    weight: Weight = 1.0
    joined: CalendarDate | None = None
    left: CalendarDate | None = None
    chat: Chat | None = None
    timezone: Zone | None = None

    def to_member(self) -> Member:
        member = Member(
            self.id,
            self.name,
            self.email,
            frozenset(self.roles),
            self.weight,
            self.joined,
            self.left,
            self.chat,
            self.timezone,
        )
        return checked_member(member)


def checked_member(member: Member) -> Member:
    """Raise `InvalidMember` for rules a single field cannot express."""
    if member.joined and member.left and member.left < member.joined:
        raise InvalidMember(member.id, "left", f"{member.left} is before joined {member.joined}")
    if member.timezone:
        parse_timezone(member.timezone)
    return member


def parse_instant_or_date(value: object) -> datetime | date:
    """An ISO instant with its offset, or an ISO date; a naive date-time is refused."""
    if isinstance(value, datetime | date):
        parsed: datetime | date = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is neither an instant (2027-03-01T10:00:00Z) nor a date (2027-03-01)"
            ) from None
    else:
        raise ValueError("expected an instant or a date")
    if isinstance(parsed, datetime) and parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone; add an offset such as Z or +01:00")
    return _in_calendar(parsed)


#: A query value: an instant with its offset, or a date read in the team's zone.
InstantOrDate = Annotated[
    datetime | date,
    PlainValidator(parse_instant_or_date, json_schema_input_type=str),
    WithJsonSchema({"type": "string", "examples": ["2027-03-01T10:00:00Z", "2027-03-01"]}),
]


class GenerateRequest(Strict):
    until: InstantOrDate | None = Field(
        default=None, description="Extend the plan to reach at least this instant or date."
    )
    regenerate: bool | None = Field(
        default=None,
        description="Re-plan the published periods after the frozen window, changing as few "
        "as fairness allows; false only repairs and extends. Default: true without `until`, "
        "false with it (extending appends periods and never changes a planned one).",
    )
    reason: Text = Field(default="", max_length=500, description="Recorded in the audit log.")

    @property
    def regenerates(self) -> bool:
        """Whether the request re-plans published periods (see `regenerate`)."""
        return self.regenerate if self.regenerate is not None else self.until is None


class SolvePublic(BaseModel):
    """How the scheduler found the plan (`rotation.solver.Solve`)."""

    method: str = Field(description="cp-sat, greedy (nothing better in time) or fixed.")
    optimal: bool = Field(description="Every goal proven optimal.")
    balance_optimal: bool = Field(description="Each role's balance meets its proven bound.")
    max_deviation: dict[str, float] = Field(
        description="Per role, the largest |deviation per weight| among members the plan "
        "could still change, in load units."
    )
    lower_bound: dict[str, float] = Field(description="Per role, a proven bound on that.")
    gap: float = Field(description="Total distance between the two, in load units.")
    back_to_back: int
    uncovered: int
    seconds: float

    @classmethod
    def of(cls, solve: Solve) -> SolvePublic:
        return cls(
            method=solve.method,
            optimal=solve.optimal,
            balance_optimal=solve.balance_optimal,
            max_deviation={r.value: round(v, 4) for r, v in solve.max_deviation.items()},
            lower_bound={r.value: round(v, 4) for r, v in solve.lower_bound.items()},
            gap=round(solve.gap, 4),
            back_to_back=solve.back_to_back,
            uncovered=solve.uncovered,
            seconds=round(solve.seconds, 3),
        )


class GeneratePublic(BaseModel):
    team: str
    planned_until: datetime | None
    added: int = Field(description="Slots planned for the first time.")
    changed: int = Field(description="Already published future slots whose holder changed.")
    forced: int = Field(description="Changed because their holder became unavailable.")
    solve: SolvePublic | None = Field(
        default=None, description="How the plan was found; null when nothing was left to plan."
    )
    balance_cost: dict[str, float] = Field(
        default_factory=dict,
        description="Per role, how much of the largest |deviation per weight| (load units) "
        "was kept to leave the published plan in place; empty unless published periods were "
        "re-planned.",
    )
