"""Feed tokens and the memory of published feed events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from api.tables.columns import foreign_key, utc_column


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
