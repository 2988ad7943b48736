"""Column types shared by the tables: aware UTC datetimes on every backend, foreign keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Float, ForeignKey, String, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field


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
