"""Load actually carried: interruptions handled during turns (pages, incidents, escalations),
counted for whoever held the slot at the instant each happened.

Pure. An interruption at `at` with a `role` counts for that slot's holder at `at` in the
resolved schedule; without one it counts for both holders. A slot nobody held then (uncovered,
or outside the schedule given) counts it for nobody. `weight` is in hours of work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rotation.model import SLOTS, Role, ScheduleEntry


class InterruptKind(StrEnum):
    PAGE = "page"
    INCIDENT = "incident"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class Interrupt:
    """One interruption at the instant `at` (aware, UTC), of `weight` hours of work."""

    at: datetime
    kind: InterruptKind
    weight: float
    role: Role | None = None


@dataclass(frozen=True)
class Carried:
    """What one member carried in one role: how many interruptions, their total weight."""

    count: int
    weight: float


def carried_by(
    interrupts: Iterable[Interrupt], entries: Sequence[ScheduleEntry]
) -> dict[tuple[str, Role], Carried]:
    """Per (member, role), the interruptions that fell in their stretches of `entries`."""
    count: dict[tuple[str, Role], int] = defaultdict(int)
    weight: dict[tuple[str, Role], float] = defaultdict(float)
    for interrupt in interrupts:
        for role in (interrupt.role,) if interrupt.role else SLOTS:
            holder = next(
                (
                    e.member
                    for e in entries
                    if e.role == role and e.start <= interrupt.at < e.end and e.member
                ),
                None,
            )
            if holder is not None:
                count[holder, role] += 1
                weight[holder, role] += interrupt.weight
    return {key: Carried(count[key], weight[key]) for key in count}


def weighted(
    carried: Mapping[tuple[str, Role], Carried], interrupt_weight: float
) -> dict[tuple[str, Role], float]:
    """The extra load the planner counts: `interrupt_weight` load per hour carried."""
    if interrupt_weight <= 0:
        return {}
    return {key: interrupt_weight * c.weight for key, c in carried.items()}
