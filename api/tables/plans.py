"""The published plan and its adjustments: assignments, overrides and swaps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from api.tables.columns import foreign_key, utc_column


class AssignmentRow(SQLModel, table=True):
    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("team_id", "role", "period_index", name="uq_assignment_slot"),
        Index("ix_assignment_team_span", "team_id", "period_start", "period_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = foreign_key("team.id")
    role: str = Field(max_length=16)
    period_index: int
    period_start: datetime = utc_column()
    period_end: datetime = utc_column()
    person_id: str | None = Field(
        default=None,
        sa_column=Column(String(64), ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )
    # "rotation" as planned, or "swap" once two members exchanged it.
    source: str = Field(
        default="rotation",
        sa_column=Column(String(16), nullable=False, server_default=text("'rotation'")),
    )
    updated_at: datetime = utc_column()


class OverrideRow(SQLModel, table=True):
    """For `[start, end)`, `person_id` holds the `role` slot instead of the rotation's choice."""

    __tablename__ = "override"
    __table_args__ = (Index("ix_override_team_span", "team_id", "role", "start", "end"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = foreign_key("team.id")
    role: str = Field(max_length=16)
    person_id: str = foreign_key("person.id")
    start: datetime = utc_column()
    end: datetime = utc_column()
    reason: str = Field(default="", max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = utc_column()


class SwapRow(SQLModel, table=True):
    """`from_person_id` offers their turn in period `from_period_index` for `to_person_id`'s turn
    in period `to_period_index`, both in the `role` slot. `status` moves from `pending` to
    `accepted` (waiting for a lead), `applied`, `declined` or `expired`."""

    __tablename__ = "swap"
    __table_args__ = (Index("ix_swap_team_status", "team_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = foreign_key("team.id")
    role: str = Field(max_length=16)
    from_person_id: str = foreign_key("person.id")
    from_period_index: int
    from_period_start: datetime = utc_column()
    to_person_id: str = foreign_key("person.id")
    to_period_index: int
    to_period_start: datetime = utc_column()
    status: str = Field(max_length=16)
    reason: str = Field(default="", max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
