"""Slack's tables: a team's settings, the queue of Web API calls (user group syncs and handoff
posts), and the Slack user ids found by email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from api.tables.columns import foreign_key, utc_column


class SlackSettingsRow(SQLModel, table=True):
    """A team's Slack settings; secrets as `env:NAME` references only."""

    __tablename__ = "slack_settings"

    team_id: str = foreign_key("team.id", primary_key=True)
    signing_secret: str | None = Field(default=None, max_length=200)
    bot_token: str | None = Field(default=None, max_length=200)
    channel: str | None = Field(default=None, max_length=100)
    # {"developer": "S0123", "operator": ..., "both": ...}
    usergroups: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default=text("'{}'"))
    )
    updated_at: datetime = utc_column()


class SlackJobRow(SQLModel, table=True):
    """One Web API call to make once: set `target` (a user group) to `members` from `at` on
    (`kind` "usergroup"), or announce the handoff at `at` in `target` (a channel, `kind`
    "handoff"). Claimed with a lease like a reminder; the same statuses."""

    __tablename__ = "slack_job"
    __table_args__ = (
        UniqueConstraint("key", name="uq_slack_job_key"),
        Index("ix_slack_job_work", "status", "next_attempt_at"),
        Index("ix_slack_job_team_target", "team_id", "kind", "target", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300)
    team_id: str = foreign_key("team.id")
    kind: str = Field(max_length=16)
    target: str = Field(max_length=100)
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    at: datetime = utc_column()
    due_at: datetime = utc_column()
    expires_at: datetime | None = utc_column(nullable=True)
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = utc_column()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = utc_column(nullable=True)
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class SlackUserRow(SQLModel, table=True):
    """The Slack user a member's email belongs to in their team's workspace, as
    `users.lookupByEmail` said; looked up again when the email changes."""

    __tablename__ = "slack_user"

    team_id: str = foreign_key("team.id", primary_key=True)
    person_id: str = foreign_key("person.id", primary_key=True)
    email: str = Field(max_length=320)
    slack_user: str = Field(max_length=32, index=True)
    looked_up_at: datetime = utc_column()
