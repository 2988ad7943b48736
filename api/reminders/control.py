"""What a running reminder loop shares with its process: when it last showed life (for
`/readyz`) and whether the process is stopping (so a pass ends after the message in hand)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["LoopControl"]


@dataclass
class LoopControl:
    """`beat` is called when a pass starts and when it ends; the loop is alive while the last
    beat is at most two intervals old (a pass runs every interval; one may be slow)."""

    interval: timedelta
    last_beat: datetime
    stopping: threading.Event = field(default_factory=threading.Event)
    passes: int = 0

    def beat(self, at: datetime) -> None:
        self.last_beat = at

    def alive(self, now: datetime) -> bool:
        return now - self.last_beat <= 2 * self.interval

    def stop(self) -> None:
        """Ask the pass under way to finish the message it is sending, give back the other
        reminders it claimed, and end."""
        self.stopping.set()
