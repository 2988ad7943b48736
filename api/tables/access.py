"""API tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from api.tables.columns import utc_column


class ApiTokenRow(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    teams: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The person a `member` token acts as.
    member: str | None = Field(
        default=None,
        sa_column=Column(String(64), ForeignKey("person.id", ondelete="CASCADE"), nullable=True),
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = utc_column()
    revoked_at: datetime | None = utc_column(nullable=True)
    # After this instant the token is refused, as if revoked (None: it never expires).
    expires_at: datetime | None = utc_column(nullable=True)


class AuditRow(SQLModel, table=True):
    """One change: who (`actor`), what (`action`, with the resource `before` and `after`), when,
    and why. `team_id` is no foreign key: the log outlives a deleted team."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(index=True)
    actor: str = Field(max_length=200)  # a token's name, "team-file" or "cli"
    action: str = Field(max_length=64)  # "team.update", "schedule.regenerate", ...
    team_id: str | None = Field(default=None, max_length=64, index=True)
    # none_as_null: "nothing before a create" is SQL NULL, not the JSON value null.
    before: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    after: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    reason: str = Field(default="", max_length=500)
