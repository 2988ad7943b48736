"""The text of a reminder: a pure function of what it is about, read at send time.

Names and times are written for the recipient: in their own zone when they have one, else in
the team's. Instants are formatted with the zone's abbreviation so a reader abroad is not misled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rotation.model import Role
from rotation.reminders import Change, Kind


@dataclass(frozen=True)
class Contact:
    """Someone a message names."""

    id: str
    name: str
    email: str
    chat: str | None = None
    timezone: str | None = None

    def label(self) -> str:
        chat = f" ({self.chat})" if self.chat else ""
        return f"{self.name}{chat} <{self.email}>"


@dataclass(frozen=True)
class Context:
    """Everything a reminder's text says, as the resolved schedule stands at `now`.

    `partner` holds the other slot when the turn starts; `outgoing`/`incoming` are the two sides
    of a handoff and `note` the outgoing member's handoff note.
    """

    kind: Kind
    team_name: str
    team_zone: str
    role: Role
    at: datetime
    end: datetime
    now: datetime
    recipient: Contact | None = None
    partner: Contact | None = None
    outgoing: Contact | None = None
    incoming: Contact | None = None
    note: str = ""
    change: Change | None = None
    link: str = ""

    @property
    def zone(self) -> ZoneInfo:
        person = self.recipient.timezone if self.recipient else None
        return ZoneInfo(person or self.team_zone)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str

    def slack(self) -> dict[str, str]:
        """The body of a Slack-compatible incoming webhook."""
        return {"text": f"*{self.subject}*\n{self.text}"}


def local(at: datetime, zone: ZoneInfo) -> str:
    """`Mon 1 Mar 2027, 09:00 CET`: an instant as a person in `zone` reads it."""
    moment = at.astimezone(zone)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {moment.tzname()}"


def span(delta: timedelta) -> str:
    """`in 24 hours`, `in 45 minutes`, `now`: how far ahead something is, rounded."""
    minutes = round(delta.total_seconds() / 60)
    if minutes <= 0:
        return "now"
    if minutes < 120:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    if hours < 72:
        return f"in {hours} hours"
    return f"in {round(hours / 24)} days"


def _name(contact: Contact | None) -> str:
    return "nobody (UNCOVERED)" if contact is None else contact.label()


def render(context: Context) -> Message:
    """The subject and text of a reminder."""
    c = context
    zone = c.zone
    when = f"{local(c.at, zone)} to {local(c.end, zone)}"
    role = c.role.value
    other = "operator" if c.role is Role.DEVELOPER else "developer"
    if c.kind is Kind.TURN_STARTS:
        subject = f"[{c.team_name}] Your {role} turn starts {span(c.at - c.now)}"
        lines = [f"You are on support as {role} for {c.team_name}: {when}."]
        lines.append(f"Your {other}: {_name(c.partner)}.")
    elif c.kind is Kind.HANDOFF:
        incoming = c.recipient is not None and c.incoming == c.recipient
        side = "You take over" if incoming else "You hand over"
        subject = f"[{c.team_name}] {role} handoff {span(c.at - c.now)}: {side.lower()}"
        lines = [
            f"{side} the {role} slot of {c.team_name} at {local(c.at, zone)}.",
            f"Outgoing: {_name(c.outgoing)}. Incoming: {_name(c.incoming)}.",
        ]
        if c.incoming is not None:
            lines.append(f"Until {local(c.end, zone)}; {other}: {_name(c.partner)}.")
        lines.append(f"Handoff note: {c.note}" if c.note else "No handoff note was left.")
    elif c.kind is Kind.TURN_MOVED:
        verb = "added to" if c.change is Change.ADDED else "removed from"
        subject = f"[{c.team_name}] A {role} turn was {verb} your schedule"
        lines = [f"The {role} turn {when} was {verb} your schedule at {c.team_name}."]
        if c.change is Change.ADDED:
            lines.append(f"Your {other}: {_name(c.partner)}.")
    else:
        subject = f"[{c.team_name}] UNCOVERED: {role} from {local(c.at, zone)}"
        lines = [
            f"Nobody can take the {role} slot of {c.team_name}: {when}.",
            "Add an override, a swap or a member to cover it.",
        ]
    if c.link:
        lines.append(c.link)
    return Message(subject, "\n".join(lines))
