"""Reminder settings per member, the reminder queue and what its planner last saw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.tables.columns import foreign_key, utc_column


class MemberNotifyRow(SQLModel, table=True):
    """A member's own reminder settings in one team (null: the team's) and their handoff note.
    Kept apart from `member` so that changing them never re-plans the rotation."""

    __tablename__ = "member_notify"
    __table_args__ = (
        ForeignKeyConstraint(
            ["team_id", "person_id"], ["member.team_id", "member.person_id"], ondelete="CASCADE"
        ),
    )

    team_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64)
    channels: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    lead_times: list[int] | None = Field(  # seconds, longest first
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    slack_webhook: str | None = Field(default=None, max_length=200)  # "env:NAME"
    webhook_url: str | None = Field(default=None, max_length=200)
    webhook_secret: str | None = Field(default=None, max_length=200)
    handoff_note: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = utc_column()


class ReminderRow(SQLModel, table=True):
    """One reminder to one recipient over one channel; `key` makes it exist once.

    Status: `pending` (waiting for `next_attempt_at`), `sending` (claimed by `claimed_by` until
    `claimed_until`), `sent`, `failed` (out of attempts), `missed` (fell due while nobody could
    send it and its turn has started), `cancelled` (the schedule changed before it was due).
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("key", name="uq_reminder_key"),
        Index("ix_reminder_work", "status", "next_attempt_at"),
        Index("ix_reminder_team_turn", "team_id", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)
    team_id: str = foreign_key("team.id")
    kind: str = Field(max_length=16)
    role: str = Field(max_length=16)
    recipient: str | None = Field(default=None, max_length=64)  # a person id; null: the team
    channel: str = Field(max_length=16)
    lead_seconds: int | None = None
    change: str | None = Field(default=None, max_length=16)  # turn_moved: added or removed
    at: datetime = utc_column()
    end: datetime = utc_column()
    due_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = utc_column()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = utc_column(nullable=True)
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class ReminderTeamRow(SQLModel, table=True):
    """How far the reminder loop has looked at a team: `seen_until` ends the window whose turns
    `reminder_turn` remembers; `version` lets one pass at a time move it; `team_revision` and
    `planned_until` are the team's revision (`repositories.team_revisions`) the reminders were
    last planned from and the end of the window planned (None: not planned yet, only the
    baseline of turns recorded when the team was created)."""

    __tablename__ = "reminder_team"

    team_id: str = foreign_key("team.id", primary_key=True)
    seen_until: datetime = utc_column()
    version: int = 0
    team_revision: str | None = Field(default=None, max_length=40)
    planned_until: datetime | None = utc_column(nullable=True)
    updated_at: datetime = utc_column()


class ReminderTurnRow(SQLModel, table=True):
    """A future turn its member was last told about (or that was there when Rota first looked)."""

    __tablename__ = "reminder_turn"
    __table_args__ = (
        UniqueConstraint("team_id", "role", "person_id", "start", "end", name="uq_reminder_turn"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = foreign_key("team.id")
    role: str = Field(max_length=16)
    person_id: str = Field(max_length=64)
    start: datetime = utc_column()
    end: datetime = utc_column()
