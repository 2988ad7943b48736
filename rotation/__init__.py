"""Rota's scheduling core: pure functions over frozen domain objects.

Nothing here reads the clock, touches a database or knows about HTTP: callers pass instants in.
"""

from typing import TYPE_CHECKING

from rotation.errors import (
    AlreadyExists,
    BeyondPlan,
    InvalidCalendar,
    InvalidFeedScope,
    InvalidInterval,
    InvalidMember,
    InvalidPolicy,
    NaiveDatetime,
    OutOfRange,
    PolicyLocked,
    RotationError,
    UnknownMember,
    UnknownTeam,
    UnknownTimezone,
    WindowTooLong,
)
from rotation.model import (
    SLOTS,
    Assignment,
    Channel,
    DayWeights,
    Member,
    NotifyPolicy,
    OnSupport,
    Override,
    Period,
    Policy,
    Role,
    ScheduleEntry,
    Source,
    Team,
    TimeOff,
    require_aware,
    require_in_range,
)
from rotation.periods import handoff, period, period_at, period_index_at, periods_between
from rotation.resolve import on_support, resolve
from rotation.solver import Budget, Plan, Solve
from rotation.teamfile import TeamFile, TeamFileError, parse_team_file

if TYPE_CHECKING:
    from rotation.solver import plan
else:

    def __getattr__(name: str) -> object:
        # `rotation.solver` imports its planner on first use: so does this re-export.
        if name == "plan":
            from rotation import solver

            return solver.plan
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SLOTS",
    "AlreadyExists",
    "Assignment",
    "BeyondPlan",
    "Budget",
    "Channel",
    "DayWeights",
    "InvalidCalendar",
    "InvalidFeedScope",
    "InvalidInterval",
    "InvalidMember",
    "InvalidPolicy",
    "Member",
    "NaiveDatetime",
    "NotifyPolicy",
    "OnSupport",
    "OutOfRange",
    "Override",
    "Period",
    "Plan",
    "Policy",
    "PolicyLocked",
    "Role",
    "RotationError",
    "ScheduleEntry",
    "Solve",
    "Source",
    "Team",
    "TeamFile",
    "TeamFileError",
    "TimeOff",
    "UnknownMember",
    "UnknownTeam",
    "UnknownTimezone",
    "WindowTooLong",
    "handoff",
    "on_support",
    "parse_team_file",
    "period",
    "period_at",
    "period_index_at",
    "periods_between",
    "plan",
    "require_aware",
    "require_in_range",
    "resolve",
]
