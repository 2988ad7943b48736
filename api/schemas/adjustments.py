"""What the adjustments send and take over the wire (SPEC section 7's write bodies)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import InstantOrDate, Reason, Slug, Strict, Text
from api.tables import OverrideRow, SwapRow, TimeOffRow
from rotation import Role, ScheduleEntry, Source
from rotation.changes import StretchChange


class ChangePublic(BaseModel):
    """In `[start, end)` of the period starting `period_start`, the `role` slot of `team` passed
    from `before` to `after` (null: nobody)."""

    team: str
    role: Role
    period_start: datetime
    start: datetime
    end: datetime
    before: str | None
    after: str | None

    @classmethod
    def of(cls, team: str, change: StretchChange) -> ChangePublic:
        return cls(
            team=team,
            role=change.role,
            period_start=change.period.start,
            start=change.start,
            end=change.end,
            before=change.before,
            after=change.after,
        )


class DutyPublic(BaseModel):
    """A stretch `[start, end)` in which `member` holds the `role` slot of `team`."""

    team: str
    role: Role
    member: str | None
    period_start: datetime
    start: datetime
    end: datetime
    source: Source

    @classmethod
    def of(cls, team: str, entry: ScheduleEntry) -> DutyPublic:
        return cls(
            team=team,
            role=entry.role,
            member=entry.member,
            period_start=entry.period.start,
            start=entry.start,
            end=entry.end,
            source=entry.source,
        )


# Time off


class TimeOffCreate(Strict):
    member: Slug = Field(examples=["alice"])
    start: InstantOrDate = Field(
        description="An instant with offset, or a date: that whole day in the team's zone."
    )
    end: InstantOrDate = Field(
        description="An instant with offset (exclusive), or a date: the last day off, inclusive."
    )
    reason: Text = Reason


class TimeOffPublic(BaseModel):
    id: int
    member: str
    start: datetime
    end: datetime
    reason: str
    source: str = Field(description='"api", or "file" for time off declared in a team file.')
    team: str = Field(description="The team it was entered through; it applies in every team.")

    @classmethod
    def of(cls, row: TimeOffRow) -> TimeOffPublic:
        assert row.id is not None
        return cls(
            id=row.id,
            member=row.person_id,
            start=row.start,
            end=row.end,
            reason=row.reason,
            source=row.source,
            team=row.team_id,
        )


class TimeOffChanged(TimeOffPublic):
    changed: list[ChangePublic] = Field(description="Assignments refilled, in every team.")
    still_on_duty: list[DutyPublic] = Field(
        description="The member's stretches inside the time off in periods that had already "
        "started: no refill changes those; cover them with an override."
    )


class TimeOffImported(BaseModel):
    time_off: list[TimeOffPublic] = Field(description="The entries created.")
    skipped: int = Field(description="Entries of the calendar that time off already covered.")
    changed: list[ChangePublic] = Field(description="Assignments refilled, in every team.")
    still_on_duty: list[DutyPublic] = Field(
        description="The member's stretches inside the new time off in periods that had "
        "already started: cover them with an override."
    )


# Overrides


class OverrideCreate(Strict):
    role: Role
    member: Slug = Field(examples=["bob"])
    start: InstantOrDate | None = Field(
        default=None, description="Default now. A date is midnight in the team's zone."
    )
    end: InstantOrDate = Field(description="Exclusive; a date is midnight in the team's zone.")
    reason: Text = Reason
    force: bool = Field(
        default=False, description="Admins only: allow an override in the past (a correction)."
    )


class OverridePublic(BaseModel):
    id: int
    team: str
    role: Role
    member: str
    start: datetime
    end: datetime
    reason: str
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: OverrideRow) -> OverridePublic:
        assert row.id is not None
        return cls(
            id=row.id,
            team=row.team_id,
            role=Role(row.role),
            member=row.person_id,
            start=row.start,
            end=row.end,
            reason=row.reason,
            created_by=row.created_by,
            created_at=row.created_at,
        )


class OverrideChanged(OverridePublic):
    changed: list[ChangePublic]


# Swaps

SwapStatus = Literal["pending", "accepted", "applied", "declined", "expired"]
OPEN_STATUSES = ("pending", "accepted")


class SwapCreate(Strict):
    role: Role
    from_member: Slug = Field(examples=["alice"])
    from_period_start: InstantOrDate = Field(
        description="The start of the period offered, any instant inside it, or a date: the "
        "period running at that day's handoff time (the date a period starts on names it)."
    )
    to_member: Slug = Field(examples=["bob"])
    to_period_start: InstantOrDate = Field(
        description="The start of the period wanted in exchange, any instant inside it, or a "
        "date (as for from_period_start)."
    )
    reason: Text = Reason


class SwapDecision(Strict):
    reason: Text = Reason


class SwapPublic(BaseModel):
    id: int
    team: str
    role: Role
    from_member: str
    from_period_start: datetime
    to_member: str
    to_period_start: datetime
    status: SwapStatus = Field(
        description="pending (waiting for to_member), accepted (waiting for a lead's approval), "
        "applied, declined, or expired (its first period started while it was open)."
    )
    expires_at: datetime
    reason: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: SwapRow, now: datetime) -> SwapPublic:
        assert row.id is not None
        expires = min(row.from_period_start, row.to_period_start)
        status = row.status
        if status in OPEN_STATUSES and now >= expires:
            status = "expired"
        return cls(
            id=row.id,
            team=row.team_id,
            role=Role(row.role),
            from_member=row.from_person_id,
            from_period_start=row.from_period_start,
            to_member=row.to_person_id,
            to_period_start=row.to_period_start,
            status=status,
            expires_at=expires,
            reason=row.reason,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class SwapChanged(SwapPublic):
    changed: list[ChangePublic]


__all__ = [
    "ChangePublic",
    "DutyPublic",
    "OverrideChanged",
    "OverrideCreate",
    "OverridePublic",
    "SwapChanged",
    "SwapCreate",
    "SwapDecision",
    "SwapPublic",
    "TimeOffChanged",
    "TimeOffCreate",
    "TimeOffImported",
    "TimeOffPublic",
]
