"""Errors of the scheduling core.

Every error the core raises on bad input derives from `RotationError` and builds its own message,
so the service can map each kind to an HTTP status in one place and never has to catch a bare
`ValueError`.
"""

from __future__ import annotations

from datetime import datetime


class RotationError(Exception):
    """Base of every error the core raises about its input."""


class InvalidPolicy(RotationError):
    """A rotation policy (period length, handoff, zone) that cannot be used."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field} {value!r}: {reason}")


class UnknownTimezone(InvalidPolicy):
    def __init__(self, value: str) -> None:
        super().__init__("timezone", value, "not an IANA time zone (for example Europe/Berlin)")


class NaiveDatetime(RotationError):
    """A datetime without a time zone where an instant is required."""

    def __init__(self, field: str, value: datetime) -> None:
        self.field = field
        super().__init__(
            f"{field} {value.isoformat()} has no time zone; give an offset such as Z or +01:00"
        )


class InvalidInterval(RotationError):
    """An interval whose end is not after its start."""

    def __init__(self, field: str, start: object, end: object) -> None:
        self.field = field
        super().__init__(f"{field}: end {end} is not after start {start}")


class UnknownTeam(RotationError):
    def __init__(self, team_id: str) -> None:
        self.team_id = team_id
        super().__init__(f"no team {team_id!r}")


class UnknownMember(RotationError):
    def __init__(self, member_id: str, team_id: str | None = None) -> None:
        self.member_id = member_id
        self.team_id = team_id
        where = f" in team {team_id!r}" if team_id else ""
        super().__init__(f"no member {member_id!r}{where}")


class InvalidMember(RotationError):
    """A member definition that breaks a rule (no role, bad weight, left before joined...)."""

    def __init__(self, member_id: str, field: str, reason: str) -> None:
        self.member_id = member_id
        self.field = field
        super().__init__(f"member {member_id!r}: {field}: {reason}")


class BeyondPlan(RotationError):
    """An instant after the end of the published plan."""

    def __init__(self, field: str, at: datetime, plan_end: datetime | None) -> None:
        self.field = field
        end = plan_end.isoformat() if plan_end else "nothing is planned yet"
        super().__init__(
            f"{field} {at.isoformat()} is after the end of the published plan ({end}); "
            "extend the plan with POST .../schedule/generate"
        )


class PolicyLocked(RotationError):
    """A change of period grid for a team whose rotation has already started."""

    def __init__(self, team_id: str, started: datetime) -> None:
        self.team_id = team_id
        super().__init__(
            f"team {team_id!r}: timezone, period, handoff and start cannot change once the "
            f"rotation has started ({started.isoformat()}); create a new team for a new grid"
        )


class AlreadyExists(RotationError):
    """A new resource whose id is taken."""

    def __init__(self, kind: str, resource_id: str) -> None:
        self.kind = kind
        self.resource_id = resource_id
        super().__init__(f"{kind} {resource_id!r} already exists")


class OutOfRange(RotationError):
    """A date or instant outside the years a rotation can be planned in."""

    def __init__(self, field: str, value: object, earliest: object, latest: object) -> None:
        self.field = field
        super().__init__(
            f"{field} {value}: dates must lie between {earliest} and {latest}"
            " (leave an open end out instead of writing a far date)"
        )


class WindowTooLong(RotationError):
    """A query window longer than the service answers for."""

    def __init__(self, field: str, limit: str) -> None:
        self.field = field
        super().__init__(f"{field}: the window may span at most {limit}")


class UnknownResource(RotationError):
    """An id that names no time off, override or swap of the team asked about (or no token)."""

    def __init__(self, kind: str, resource_id: object, team_id: str | None = None) -> None:
        self.kind = kind
        self.resource_id = resource_id
        where = f" in team {team_id!r}" if team_id is not None else ""
        super().__init__(f"no {kind} {resource_id!r}{where}")


class InvalidReference(RotationError):
    """A field naming something that cannot be used there (a non-member, a role not held)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"{field}: {reason}")


class InvalidCalendar(RotationError):
    """An iCalendar file that cannot be read (as time off): the reason names the problem."""

    def __init__(self, reason: str) -> None:
        self.field = "body"
        self.reason = reason
        super().__init__(f"calendar: {reason}")


class InvalidFeedScope(RotationError):
    """A feed token asked for with a scope that does not fit its team or member."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"{field}: {reason}")


class InvalidNotify(RotationError):
    """Reminder settings that cannot be used (a channel without its webhook, a bad lead time,
    a lead who is not a member)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"{field}: {reason}")


class Overlaps(RotationError):
    """A new interval that overlaps another of the same kind, which it may not."""

    def __init__(self, field: str, kind: str, other_id: object, description: str) -> None:
        self.field = field
        self.other_id = other_id
        super().__init__(f"{field}: overlaps {kind} {other_id} ({description})")


class Unavailable(RotationError):
    """A member who cannot take a slot for an interval: time off, not employed, the other slot."""

    def __init__(self, field: str, member_id: str, reason: str) -> None:
        self.field = field
        self.member_id = member_id
        super().__init__(f"{field}: {member_id!r} {reason}")


class TouchesPast(RotationError):
    """A change to what has already happened (or started)."""

    def __init__(self, field: str, at: datetime, reason: str) -> None:
        self.field = field
        super().__init__(f"{field} {at.isoformat()}: {reason}")


class NotOpen(RotationError):
    """An action on a swap (or similar) that its state no longer allows."""

    def __init__(self, kind: str, resource_id: object, status: str, action: str) -> None:
        self.status = status
        super().__init__(f"{kind} {resource_id} is {status}: it cannot be {action}")


class StaleVersion(RotationError):
    """A write whose `If-Match` names a version that is no longer current."""

    def __init__(self, kind: str, resource_id: object) -> None:
        super().__init__(
            f"{kind} {resource_id!r} changed since you read it (If-Match does not match its "
            "ETag): read it again and retry"
        )


class UnknownReminder(RotationError):
    def __init__(self, reminder_id: int) -> None:
        self.reminder_id = reminder_id
        super().__init__(f"no reminder {reminder_id}")


class ReminderNotResendable(RotationError):
    """A resend of a reminder that did not fail, or whose turn has started."""

    def __init__(self, reminder_id: int, reason: str) -> None:
        self.reminder_id = reminder_id
        super().__init__(f"reminder {reminder_id} cannot be resent: {reason}")
