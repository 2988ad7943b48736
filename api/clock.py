"""The one place the service reads the time: injected, so tests move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from fastapi import Request

from rotation import require_aware


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told otherwise: for tests and for replaying a day."""

    def __init__(self, at: datetime) -> None:
        self.at = require_aware("clock", at)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = require_aware("clock", at)


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def clock_dependency(request: Request) -> Clock:
    """`get_clock` for `Depends`: async, so FastAPI calls it on the event loop, not a thread."""
    return get_clock(request)
