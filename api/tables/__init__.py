"""Database tables. Rows stay inside `api/`: repositories turn them into domain objects.

Members are people (`person`, one id across every team, so a person has one feed and one set of
time off) who belong to teams through `member` rows carrying the per-team facts (roles, weight,
joined, left). `audit` is the log of changes: who, what, when and why.

One module a subject; importing the package registers every table with the metadata.
"""

from api.tables.access import ApiTokenRow, AuditRow
from api.tables.columns import UTCDateTime, day_weight_column, foreign_key, utc_column
from api.tables.feeds import FeedEventRow, FeedTokenRow
from api.tables.plans import AssignmentRow, OverrideRow, SwapRow
from api.tables.reminders import MemberNotifyRow, ReminderRow, ReminderTeamRow, ReminderTurnRow
from api.tables.slack import SlackJobRow, SlackSettingsRow, SlackUserRow
from api.tables.teams import MemberRow, PersonRow, TeamRow, TimeOffRow

__all__ = [
    "ApiTokenRow",
    "AssignmentRow",
    "AuditRow",
    "FeedEventRow",
    "FeedTokenRow",
    "MemberNotifyRow",
    "MemberRow",
    "OverrideRow",
    "PersonRow",
    "ReminderRow",
    "ReminderTeamRow",
    "ReminderTurnRow",
    "SlackJobRow",
    "SlackSettingsRow",
    "SlackUserRow",
    "SwapRow",
    "TeamRow",
    "TimeOffRow",
    "UTCDateTime",
    "day_weight_column",
    "foreign_key",
    "utc_column",
]
