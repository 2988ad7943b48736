"""Teams, people, their memberships and time off."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Float, Index, Integer, String, false, text
from sqlmodel import Field, SQLModel

from api.tables.columns import day_weight_column, foreign_key, utc_column


class TeamRow(SQLModel, table=True):
    __tablename__ = "team"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    period: str = Field(max_length=16)
    handoff: str = Field(max_length=32)
    start: date
    holidays: str | None = Field(default=None, max_length=64)
    frozen_periods: int = 2
    notify: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fairness_since: date | None = None
    weekday_weight: float = day_weight_column(1.0)
    weekend_weight: float = day_weight_column(1.5)
    holiday_weight: float = day_weight_column(2.0)
    # ISO dates, sorted: "2027-12-24".
    extra_holidays: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    # Member ids told about uncovered slots.
    leads: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    # Calendar feeds in the team's local time (TZID) instead of UTC.
    feed_local_times: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )
    source: str | None = Field(default=None, max_length=500)
    # How much balance (periods of load per unit of weight) a regeneration may give up to keep
    # the published plan.
    stability_tolerance: float = Field(
        default=0.5, sa_column=Column(Float(), nullable=False, server_default=text("0.5"))
    )
    # Digest of the planning inputs the published plan was last (re)generated from: a
    # regeneration asked with the same inputs only repairs (`api.planning`).
    plan_inputs: str | None = Field(default=None, max_length=64)
    # Whether an accepted swap waits for a lead's approval.
    swap_approval: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=text("false"))
    )
    # Bumped by every write to the team or anything in it: writers take it as a lock first.
    version: int = Field(
        default=0, sa_column=Column(Integer(), nullable=False, server_default=text("0"))
    )
    # Random per team created: with `version`, the team's revision, which a team deleted and
    # created again under its id never repeats (`repositories.team_revisions`).
    incarnation: str = Field(
        default_factory=lambda: secrets.token_hex(8),
        sa_column=Column(String(16), nullable=False, server_default=text("''")),
    )
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class PersonRow(SQLModel, table=True):
    __tablename__ = "person"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    chat: str | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, max_length=64)


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"

    team_id: str = foreign_key("team.id", primary_key=True)
    person_id: str = foreign_key("person.id", primary_key=True)
    roles: str = Field(max_length=64)  # comma-separated, sorted: "developer,operator"
    weight: float = 1.0
    joined: date | None = None
    left: date | None = None


class TimeOffRow(SQLModel, table=True):
    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_person_span", "person_id", "start", "end"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = foreign_key("person.id")
    team_id: str = foreign_key("team.id")  # the team it was entered through
    start: datetime = utc_column()
    end: datetime = utc_column()
    reason: str = Field(default="", max_length=500)
    source: str = Field(default="api", max_length=16)  # "file" rows are replaced by a reload
    created_at: datetime = utc_column()
