"""Extending and regenerating a plan: the request and the answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import InstantOrDate, Strict, Text
from rotation import Solve


class GenerateRequest(Strict):
    until: InstantOrDate | None = Field(
        default=None, description="Extend the plan to reach at least this instant or date."
    )
    regenerate: bool | None = Field(
        default=None,
        description="Re-plan the published periods after the frozen window, changing as few "
        "as fairness allows; false only repairs and extends. Default: true without `until`, "
        "false with it (extending appends periods and never changes a planned one).",
    )
    reason: Text = Field(default="", max_length=500, description="Recorded in the audit log.")

    @property
    def regenerates(self) -> bool:
        """Whether the request re-plans published periods (see `regenerate`)."""
        return self.regenerate if self.regenerate is not None else self.until is None


class SolvePublic(BaseModel):
    """How the scheduler found the plan (`rotation.solver.Solve`)."""

    method: str = Field(description="cp-sat, greedy (nothing better in time) or fixed.")
    optimal: bool = Field(description="Every goal proven optimal.")
    balance_optimal: bool = Field(description="Each role's balance meets its proven bound.")
    max_deviation: dict[str, float] = Field(
        description="Per role, the largest |deviation per weight| among members the plan "
        "could still change, in load units."
    )
    lower_bound: dict[str, float] = Field(description="Per role, a proven bound on that.")
    gap: float = Field(description="Total distance between the two, in load units.")
    back_to_back: int
    uncovered: int
    seconds: float

    @classmethod
    def of(cls, solve: Solve) -> SolvePublic:
        return cls(
            method=solve.method,
            optimal=solve.optimal,
            balance_optimal=solve.balance_optimal,
            max_deviation={r.value: round(v, 4) for r, v in solve.max_deviation.items()},
            lower_bound={r.value: round(v, 4) for r, v in solve.lower_bound.items()},
            gap=round(solve.gap, 4),
            back_to_back=solve.back_to_back,
            uncovered=solve.uncovered,
            seconds=round(solve.seconds, 3),
        )


class GeneratePublic(BaseModel):
    team: str
    planned_until: datetime | None
    added: int = Field(description="Slots planned for the first time.")
    changed: int = Field(description="Already published future slots whose holder changed.")
    forced: int = Field(description="Changed because their holder became unavailable.")
    solve: SolvePublic | None = Field(
        default=None, description="How the plan was found; null when nothing was left to plan."
    )
    balance_cost: dict[str, float] = Field(
        default_factory=dict,
        description="Per role, how much of the largest |deviation per weight| (load units) "
        "was kept to leave the published plan in place; empty unless published periods were "
        "re-planned.",
    )
