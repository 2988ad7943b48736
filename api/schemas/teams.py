"""Teams: their settings as shown, created and changed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from api.schemas.common import (
    Calendar,
    CalendarDate,
    DayWeight,
    ExtraHolidays,
    Name,
    Slug,
    Strict,
    Text,
    Zone,
)
from api.schemas.reminders import NotifyPublic
from rotation import Policy, Team
from rotation.model import DayWeights
from rotation.periods import (
    format_handoff,
    format_period,
    parse_handoff,
    parse_period,
    parse_timezone,
)
from rotation.teamdays import STABILITY_TOLERANCE_MAX
from rotation.teamfile import check_holiday_calendar


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
