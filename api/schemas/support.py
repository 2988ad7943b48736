"""Who is on support and the schedule."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from rotation import Role, Source


class PeriodPublic(BaseModel):
    start: datetime
    end: datetime


class HolderPublic(BaseModel):
    id: str
    name: str
    email: str | None = Field(
        None, description="With a token only: anonymous readers see names and roles."
    )
    chat: str | None = Field(None, description="With a token only, like `email`.")
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
