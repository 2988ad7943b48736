"""What a solve answers: the plan and how it was found (`Solve`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rotation.model import Assignment, Role
from rotation.solver.budget import Stage


@dataclass(frozen=True)
class Solve:
    """How a plan was found.

    `method` is `cp-sat`, `greedy` (the solver found nothing in time, or the problem is too
    large) or `fixed` (nothing to choose). `max_deviation` and `lower_bound` give, per role, the
    achieved largest |deviation per weight| among the members the plan could still change and a
    proven lower bound on it; `balance_optimal` says they meet. `gap` is their total distance.
    `stability_cost` is, per role, how much of that deviation a regeneration kept to leave the
    published plan in place (0 when keeping it cost nothing; empty when nothing was published).
    """

    method: str
    optimal: bool
    balance_optimal: bool
    max_deviation: Mapping[Role, float]
    lower_bound: Mapping[Role, float]
    back_to_back: int
    uncovered: int
    seconds: float
    stages: tuple[Stage, ...] = ()
    stability_cost: Mapping[Role, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return sum(
            max(0.0, self.max_deviation[role] - self.lower_bound.get(role, 0.0))
            for role in self.max_deviation
        )


@dataclass(frozen=True)
class Plan:
    assignments: list[Assignment]
    solve: Solve
