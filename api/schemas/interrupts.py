"""The public shapes of carried load: an interruption recorded by hand, what a post recorded,
and a team's settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from api.tables.interrupts import InterruptRow
from rotation import Role
from rotation.carried import InterruptKind

#: The longest single interruption: a week of work is an incident no one handles alone.
MAX_DURATION = timedelta(days=7)


class InterruptCreate(BaseModel):
    """An interruption handled during a turn: `duration` or `weight` (hours of work), not both;
    1 hour when neither is given. Without `role` it counts for both holders."""

    at: AwareDatetime
    kind: InterruptKind
    duration: timedelta | None = Field(default=None, description="ISO 8601 (PT2H) or seconds")
    weight: float | None = Field(default=None, gt=0, le=1000)
    role: Role | None = None
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _one_measure(self) -> Self:
        if self.duration is not None and self.weight is not None:
            raise ValueError("give duration or weight, not both")
        if self.duration is not None and not timedelta(0) < self.duration <= MAX_DURATION:
            raise ValueError("duration must be more than 0 and at most 7 days")
        return self

    def hours(self) -> float:
        if self.weight is not None:
            return self.weight
        if self.duration is not None:
            return self.duration / timedelta(hours=1)
        return 1.0


class Holder(BaseModel):
    role: Role
    member: str


class InterruptPublic(BaseModel):
    id: int
    at: datetime
    kind: InterruptKind
    weight: float
    role: Role | None
    source: str
    note: str
    counts_for: list[Holder] = Field(description="Who held the slot(s) then")

    @classmethod
    def of(cls, row: InterruptRow, counts_for: list[Holder]) -> InterruptPublic:
        assert row.id is not None
        return cls(
            id=row.id,
            at=row.at,
            kind=InterruptKind(row.kind),
            weight=row.weight,
            role=Role(row.role) if row.role else None,
            source=row.source,
            note=row.note,
            counts_for=counts_for,
        )


class InterruptsRecorded(BaseModel):
    """What one post recorded; alerts delivered before are `duplicates`."""

    recorded: list[InterruptPublic]
    duplicates: int


class InterruptSettingsPublic(BaseModel):
    interrupt_weight: float = Field(
        ge=0, le=100, description="Load the plan counts per hour carried; 0 leaves it alone"
    )
    webhook_token: bool = Field(default=False, description="Whether a webhook token is set")


class InterruptSettingsUpdate(BaseModel):
    interrupt_weight: float = Field(ge=0, le=100)


class WebhookTokenPublic(BaseModel):
    token: str = Field(description="Shown once; send it as Authorization: Bearer ...")
