"""Slack messages: Block Kit blocks with a plain `text` fallback (what notifications and
screen readers show), for the `/rota` answers and the handoff announcement.

Times are written twice: as Slack's `<!date^...>` token, which each reader sees in their own
time zone, with the team's local time as the token's fallback and in the plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rotation.model import Role

Message = dict[str, Any]


@dataclass(frozen=True)
class Person:
    """Someone named in a message: their Slack user id, when known, makes it a mention."""

    name: str
    slack_user: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.slack_user}>" if self.slack_user else escape(self.name)


@dataclass(frozen=True)
class Slot:
    """A role and who holds it (None: uncovered) since `since`, until `until`."""

    role: Role
    holder: Person | None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Turn:
    team: str
    zone: str
    role: Role
    start: datetime
    end: datetime


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its docs ask."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local(at: datetime, zone: str) -> str:
    """`Mon 7 Dec 09:00 CET`: an instant as the team reads it."""
    moment = at.astimezone(ZoneInfo(zone))
    return f"{moment:%a} {moment.day} {moment:%b %H:%M} {moment.tzname()}"


def when(at: datetime, zone: str) -> str:
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{local(at, zone)}>"


def _section(markdown: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown}}


def _context(markdown: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": markdown}]}


def _answer(text: str, blocks: list[dict[str, Any]], public: bool) -> Message:
    return {
        "response_type": "in_channel" if public else "ephemeral",
        "text": text,
        "blocks": blocks,
    }


def who_message(
    team: str, zone: str, slots: Sequence[Slot], next_handoff: datetime | None, public: bool
) -> Message:
    """`/rota who`: each role's holder and since when, the next handoff, uncovered slots."""
    lines, plain = [], []
    for slot in slots:
        if slot.holder is None:
            lines.append(f"*{slot.role.value}*: :warning: *UNCOVERED*")
            plain.append(f"{slot.role.value}: UNCOVERED")
            continue
        since = f" since {when(slot.since, zone)}" if slot.since else ""
        lines.append(f"*{slot.role.value}*: {slot.holder.mention}{since}")
        plain_since = f" since {local(slot.since, zone)}" if slot.since else ""
        plain.append(f"{slot.role.value}: {slot.holder.name}{plain_since}")
    blocks = [_section(f"*On support for {escape(team)}*\n" + "\n".join(lines))]
    text = f"On support for {team}: " + "; ".join(plain)
    if next_handoff is not None:
        blocks.append(_context(f"Next handoff {when(next_handoff, zone)}"))
        text += f". Next handoff {local(next_handoff, zone)}"
    uncovered = [s.role.value for s in slots if s.holder is None]
    if uncovered:
        text += f". Uncovered: {', '.join(uncovered)}"
    return _answer(text, blocks, public)


def next_message(
    team: str, zone: str, at: datetime | None, slots: Sequence[Slot], public: bool
) -> Message:
    """`/rota next`: who takes over at the next handoff."""
    if at is None:
        text = f"{team}: no handoff is planned yet"
        return _answer(text, [_section(escape(text))], public)
    lines = [
        f"*{s.role.value}*: {s.holder.mention if s.holder else ':warning: *UNCOVERED*'}"
        for s in slots
    ]
    plain = [f"{s.role.value}: {s.holder.name if s.holder else 'UNCOVERED'}" for s in slots]
    blocks = [
        _section(f"*Next on support for {escape(team)}*, {when(at, zone)}\n" + "\n".join(lines))
    ]
    return _answer(
        f"Next on support for {team}, {local(at, zone)}: " + "; ".join(plain), blocks, public
    )


def me_message(name: str, turns: Sequence[Turn], public: bool) -> Message:
    """`/rota me`: the asker's next turns, in every team this Slack app answers for."""
    if not turns:
        text = f"{name}: no turns of yours are planned"
        return _answer(text, [_section(escape(text))], public)
    lines = [
        f"• {escape(t.team)}, *{t.role.value}*: {when(t.start, t.zone)} to {when(t.end, t.zone)}"
        for t in turns
    ]
    plain = [
        f"{t.team} {t.role.value} {local(t.start, t.zone)} to {local(t.end, t.zone)}" for t in turns
    ]
    blocks = [_section(f"*Your next turns, {escape(name)}*\n" + "\n".join(lines))]
    return _answer(f"Your next turns, {name}: " + "; ".join(plain), blocks, public)


HELP = (
    "`/rota who [team]`: who is on support now, since when, the next handoff\n"
    "`/rota next [team]`: who takes over at the next handoff\n"
    "`/rota me`: your next turns\n"
    "`/rota help`: this help\n"
    "Answers are shown only to you; add `public` (`/rota who payments public`) to share one "
    "with the channel. Without a team, the team linked to this channel answers."
)


def help_message(not_understood: str = "", teams: Sequence[str] = ()) -> Message:
    head = f"I did not understand `{escape(not_understood)}`.\n" if not_understood else ""
    tail = f"\nTeams: {', '.join(escape(t) for t in teams)}" if teams else ""
    text = head + HELP + tail
    return _answer(text, [_section(text)], False)


def refusal(text: str) -> Message:
    """A short answer to the asker alone: an unknown team, a member Rota does not know."""
    return _answer(text, [_section(escape(text))], False)


def handoff_message(
    team: str,
    zone: str,
    at: datetime,
    changes: Sequence[tuple[Role, Person | None, Person | None]],
    notes: Sequence[tuple[Person, str]],
) -> Message:
    """The announcement of a handoff in the team's channel, with the outgoing members'
    handoff notes."""
    lines, plain = [], []
    for role, outgoing, incoming in changes:
        out = outgoing.mention if outgoing else "nobody"
        into = incoming.mention if incoming else ":warning: *nobody (UNCOVERED)*"
        lines.append(f"*{role.value}*: {out} → {into}")
        out_name = outgoing.name if outgoing else "nobody"
        plain.append(f"{role.value}: {out_name} to {incoming.name if incoming else 'UNCOVERED'}")
    blocks: list[dict[str, Any]] = [
        _section(f"*Handoff in {escape(team)}*, {when(at, zone)}\n" + "\n".join(lines))
    ]
    text = f"Handoff in {team}, {local(at, zone)}: " + "; ".join(plain)
    for person, note in notes:
        blocks.append(_section(f"*Handoff note from {person.mention}*\n>{escape(note)}"))
        text += f". Note from {person.name}: {note}"
    return {"text": text, "blocks": blocks}
