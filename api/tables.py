"""Database tables. Rows stay inside `api/`: repositories turn them into domain objects.

Members are people (`person`, one id across every team, so a person has one feed and one set of
time off) who belong to teams through `member` rows carrying the per-team facts (roles, weight,
joined, left). `audit` is the log of changes: who, what, when and why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite has no zone-aware type: SQLAlchemy writes the wall time and reads it back naive. This
    type refuses naive values on the way in, stores UTC, and hands back aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def day_weight_column(default: float) -> Any:
    # A server default, so rows written before the column existed get the usual weight.
    return Field(
        default=default,
        sa_column=Column(Float(), nullable=False, server_default=text(repr(default))),
    )


def foreign_key(target: str, *, nullable: bool = False, primary_key: bool = False) -> Any:
    return Field(
        sa_column=Column(
            String(64),
            ForeignKey(target, ondelete="CASCADE"),
            nullable=nullable,
            primary_key=primary_key,
        )
    )


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
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    # Member ids told about uncovered slots.
    leads: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    # Calendar feeds in the team's local time (TZID) instead of UTC.
    feed_local_times: bool = Field(
        default=False,
        sa_column=Column(Boolean(), nullable=False, server_default=false()),
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
    `reminder_turn` remembers; `version` lets one pass at a time move it."""

    __tablename__ = "reminder_team"

    team_id: str = foreign_key("team.id", primary_key=True)
    seen_until: datetime = utc_column()
    version: int = 0
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


class FeedTokenRow(SQLModel, table=True):
    """A secret that reads one calendar feed: a team's (`team_id`), a person's (`person_id`) or
    every team's (`scope` "all"). Stored only as its hash, like API tokens."""

    __tablename__ = "feed_token"

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)  # "team", "member" or "all"
    team_id: str | None = foreign_key("team.id", nullable=True)
    person_id: str | None = foreign_key("person.id", nullable=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by: str = Field(max_length=200)
    created_at: datetime = utc_column()
    revoked_at: datetime | None = utc_column(nullable=True)


class FeedEventRow(SQLModel, table=True):
    """What a feed last published under one UID: its content hash, SEQUENCE and LAST-MODIFIED,
    and when it was withdrawn (`cancelled_at`), so that regenerations bump SEQUENCE only for
    real changes and a moved stretch stays as `STATUS:CANCELLED` for a while. `start`, `end`
    and `summary` are kept to write the cancelled event."""

    __tablename__ = "feed_event"
    __table_args__ = (Index("ix_feed_event_feed_span", "feed", "start", "end"),)

    uid: str = Field(primary_key=True, max_length=255)
    feed: str = Field(max_length=100)  # "team:payments", "member:alice" or "all"
    team_id: str = foreign_key("team.id")
    start: datetime = utc_column()
    end: datetime = utc_column()
    summary: str = Field(max_length=500)
    content_hash: str = Field(max_length=64)
    sequence: int = 0
    last_modified: datetime = utc_column()
    cancelled_at: datetime | None = utc_column(nullable=True)
