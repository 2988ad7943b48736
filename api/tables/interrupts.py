"""The tables of carried load: interruptions handled during turns, and each team's settings
for them (how much they weigh in the plan, the hash of its webhook token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from api.tables.columns import foreign_key, utc_column


class InterruptRow(SQLModel, table=True):
    """One interruption at `at`: a page, an incident or an escalation, of `weight` (hours of
    work, 1.0 unless told). It counts for whoever held `role` then (both slots when None).
    `dedupe` is set for alerts (`alertmanager:<fingerprint>:<startsAt>`): delivered again, the
    same alert is not stored twice."""

    __tablename__ = "interrupt"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe", name="uq_interrupt_team_dedupe"),
        Index("ix_interrupt_team_at", "team_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = foreign_key("team.id")
    at: datetime = utc_column()
    kind: str = Field(max_length=16)
    weight: float
    role: str | None = Field(default=None, max_length=16)
    source: str = Field(max_length=16)
    dedupe: str | None = Field(default=None, max_length=300)
    note: str = Field(default="", max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = utc_column()


class InterruptSettingsRow(SQLModel, table=True):
    """A team's `interrupt_weight` (load per hour of carried work in the plan; 0 leaves the plan
    alone) and the SHA-256 hash of its webhook token."""

    __tablename__ = "interrupt_settings"

    team_id: str = foreign_key("team.id", primary_key=True)
    interrupt_weight: float = Field(
        default=0.0, sa_column=Column(Float(), nullable=False, server_default=text("0.0"))
    )
    webhook_token_hash: str | None = Field(default=None, max_length=64)
    updated_at: datetime = utc_column()
