"""Rota's scheduling core: pure functions over frozen domain objects.

Nothing here reads the clock, touches a database or knows about HTTP: callers pass instants in.
"""

from rotation.errors import (
    AlreadyExists,
    BeyondPlan,
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
    Member,
    NotifyPolicy,
    OnSupport,
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
from rotation.scheduler import plan
from rotation.teamfile import TeamFile, TeamFileError, parse_team_file

__all__ = [
    "SLOTS",
    "AlreadyExists",
    "Assignment",
    "BeyondPlan",
    "Channel",
    "InvalidInterval",
    "InvalidMember",
    "InvalidPolicy",
    "Member",
    "NaiveDatetime",
    "NotifyPolicy",
    "OnSupport",
    "OutOfRange",
    "Period",
    "Policy",
    "PolicyLocked",
    "Role",
    "RotationError",
    "ScheduleEntry",
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
