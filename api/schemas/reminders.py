"""API schemas of reminders: the queue as listed, a team's and a member's reminder settings.

Webhook addresses and secrets are references (`env:NAME`): the API shows the reference, never
the value behind it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.repositories.reminders import Reminder, Status
from rotation import Channel, NotifyPolicy, Role
from rotation.errors import InvalidNotify
from rotation.model import MemberNotify
from rotation.notify import ENV_REFERENCE, format_duration, parse_lead_time
from rotation.reminders import Change, Kind

Reference = Annotated[
    str,
    StringConstraints(pattern=ENV_REFERENCE.pattern, max_length=200),
    Field(description="A secret by reference: env:NAME.", examples=["env:PAYMENTS_SLACK_WEBHOOK"]),
]


def _lead_time(text: str) -> str:
    try:
        parse_lead_time("lead_times", text)
    except InvalidNotify as exc:
        raise ValueError(str(exc).removeprefix("lead_times: ")) from None
    return text


#: Control characters, except the new lines and tabs a note may have.
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _printable(value: str) -> str:
    if _NOTE_CONTROL.search(value):
        raise ValueError("control characters other than new lines and tabs are not allowed")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


LeadTime = Annotated[str, AfterValidator(_lead_time), Field(examples=["24h", "1h", "30m"])]
LeadTimes = Annotated[list[LeadTime], Field(min_length=1, max_length=10)]
Channels = Annotated[list[Channel], Field(min_length=1, max_length=4)]
#: A member's own channels: none at all turns their reminders off.
MemberChannels = Annotated[list[Channel], Field(max_length=4)]


def _leads(texts: list[str] | None) -> tuple[timedelta, ...] | None:
    if texts is None:
        return None
    return tuple(sorted({parse_lead_time("lead_times", t) for t in texts}, reverse=True))


def _unique(channels: list[Channel] | None) -> tuple[Channel, ...] | None:
    return None if channels is None else tuple(dict.fromkeys(channels))


class NotifyPublic(Strict):
    """How a team is reminded: its channels, lead times and webhook references."""

    channels: Channels = Field(default_factory=lambda: [Channel.LOG])
    lead_times: LeadTimes = Field(default_factory=lambda: ["24h", "1h"])
    slack_webhook: Reference | None = None
    webhook_url: Reference | None = None
    webhook_secret: Reference | None = None

    @classmethod
    def of(cls, notify: NotifyPolicy) -> NotifyPublic:
        return cls(
            channels=list(notify.channels),
            lead_times=[format_duration(lead) for lead in notify.lead_times],
            slack_webhook=notify.slack_webhook,
            webhook_url=notify.webhook_url,
            webhook_secret=notify.webhook_secret,
        )

    def to_notify(self) -> NotifyPolicy:
        """The policy; raise `InvalidNotify` when a channel lacks its webhook or secret."""
        notify = NotifyPolicy(
            _unique(self.channels) or (Channel.LOG,),
            _leads(self.lead_times) or NotifyPolicy().lead_times,
            self.slack_webhook,
            self.webhook_url,
            self.webhook_secret,
        )
        for channel, value, key in (
            (Channel.SLACK, notify.slack_webhook, "slack_webhook"),
            (Channel.WEBHOOK, notify.webhook_url, "webhook_url"),
            (Channel.WEBHOOK, notify.webhook_secret, "webhook_secret"),
        ):
            if channel in notify.channels and value is None:
                raise InvalidNotify(f"notify.{key}", f"channel {channel.value!r} needs {key}")
        return notify


class MemberNotifyPublic(BaseModel):
    """A member's own reminder settings (null: the team's), what applies, and their note."""

    channels: list[Channel] | None
    lead_times: list[str] | None
    slack_webhook: str | None
    webhook_url: str | None
    webhook_secret: str | None
    handoff_note: str
    effective_channels: list[Channel]
    effective_lead_times: list[str]

    @classmethod
    def of(cls, notify: MemberNotify, team: NotifyPolicy) -> MemberNotifyPublic:
        return cls(
            channels=None if notify.channels is None else list(notify.channels),
            lead_times=None
            if notify.lead_times is None
            else [format_duration(lead) for lead in notify.lead_times],
            slack_webhook=notify.slack_webhook,
            webhook_url=notify.webhook_url,
            webhook_secret=notify.webhook_secret,
            handoff_note=notify.handoff_note,
            effective_channels=list(notify.effective_channels(team)),
            effective_lead_times=[format_duration(x) for x in notify.effective_lead_times(team)],
        )


class MemberNotifyUpdate(Strict):
    """A member's reminder settings; a field left out or null follows the team."""

    channels: MemberChannels | None = Field(
        default=None, description="Null follows the team; an empty list turns reminders off."
    )
    lead_times: LeadTimes | None = None
    slack_webhook: Reference | None = None
    webhook_url: Reference | None = None
    webhook_secret: Reference | None = None

    def to_notify(self, handoff_note: str) -> MemberNotify:
        return MemberNotify(
            _unique(self.channels),
            _leads(self.lead_times),
            self.slack_webhook,
            self.webhook_url,
            self.webhook_secret,
            handoff_note,
        )


class HandoffNoteUpdate(Strict):
    note: Annotated[str, Field(max_length=4000), AfterValidator(_printable)] = Field(
        description="What the next person should know; empty removes it."
    )


class ReminderPublic(BaseModel):
    id: int
    team: str
    kind: Kind
    role: Role
    recipient: str | None = Field(description="A member id; null: the team (no leads).")
    channel: Channel
    lead_time: str | None = Field(description="turn_starts: how long before the start.")
    change: Change | None = Field(description="turn_moved: added or removed.")
    at: datetime = Field(description="The turn's start, the handoff, the uncovered start.")
    end: datetime
    due_at: datetime
    expires_at: datetime = Field(description="Not sent from then on: missed.")
    status: Status
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str

    @classmethod
    def of(cls, r: Reminder) -> ReminderPublic:
        return cls(
            id=r.id,
            team=r.team,
            kind=r.kind,
            role=r.role,
            recipient=r.recipient,
            channel=r.channel,
            lead_time=None if r.lead is None else format_duration(r.lead),
            change=r.change,
            at=r.at,
            end=r.end,
            due_at=r.due_at,
            expires_at=r.expires_at,
            status=r.status,
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
            sent_at=r.sent_at,
            last_error=r.last_error,
        )


class ReminderPagePublic(BaseModel):
    reminders: list[ReminderPublic] = Field(description="Newest first.")
    next: int | None = Field(description="Pass as `before` for the next (older) page.")
