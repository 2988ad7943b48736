"""Reminder settings in a team file: the `[notify]` table and each `[[member]]`'s own channels,
lead times and webhook references, with the rules the API applies too.

Secrets are references (`env:NAME`), never values. Problems are reported through the team file's
reader, with their lines, like every other problem of the file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any

from rotation.errors import InvalidNotify
from rotation.model import Channel, MemberNotify, NotifyPolicy
from rotation.reminders import MAX_LEAD_TIME
from rotation.tomlreader import Reader

ENV_REFERENCE = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")
DURATION = re.compile(r"^(\d+)([mhd])$")
SECRET_KEYS = ("slack_webhook", "webhook_url", "webhook_secret")
#: A member's own reminder settings (`None` in `MemberNotify` keeps the team's).
MEMBER_NOTIFY_KEYS = {"notify_channels", "lead_times", *SECRET_KEYS}
NOTIFY_KEYS = {"channels", "lead_times", *SECRET_KEYS}


def read_notify(reader: Reader, data: Any) -> NotifyPolicy:
    table = "notify"
    if not isinstance(data, dict):
        reader.fail(table, 0, None, "notify: expected a [notify] table")
        return NotifyPolicy()
    reader.check_keys(table, 0, data, NOTIFY_KEYS)
    channels = _read_channels(reader, table, 0, data, "channels") or (Channel.LOG,)
    leads = _read_lead_times(reader, table, 0, data)
    secrets = _read_secrets(reader, table, 0, data)
    for channel, key in (
        (Channel.SLACK, "slack_webhook"),
        (Channel.WEBHOOK, "webhook_url"),
        (Channel.WEBHOOK, "webhook_secret"),  # every webhook body is signed
    ):
        if channel in channels and secrets[key] is None and key not in data:
            reader.fail(table, 0, "channels", f'channel {channel.value!r} needs {key} = "env:NAME"')
    return NotifyPolicy(
        channels,
        leads or NotifyPolicy().lead_times,
        secrets["slack_webhook"],
        secrets["webhook_url"],
        secrets["webhook_secret"],
    )


def _read_channels(
    reader: Reader, table: str, index: int, data: dict[str, Any], key: str
) -> tuple[Channel, ...] | None:
    names = reader.typed(table, index, data, key, list, "a list of channels", required=False)
    if names is None:
        return None
    channels: list[Channel] = []
    for name in names:
        if not isinstance(name, str) or name not in {c.value for c in Channel}:
            reader.fail(table, index, key, f"unknown channel {name!r} (email, slack, webhook, log)")
        elif Channel(name) not in channels:
            channels.append(Channel(name))
    return tuple(channels)


def _read_lead_times(
    reader: Reader, table: str, index: int, data: dict[str, Any]
) -> tuple[timedelta, ...] | None:
    texts = reader.typed(
        table, index, data, "lead_times", list, "a list like ['24h', '1h']", required=False
    )
    if texts is None:
        return None
    leads: list[timedelta] = []
    for text in texts:
        lead = reader.attempt(
            table, index, "lead_times", partial(parse_lead_time, "lead_times", text)
        )
        if lead is not None:
            leads.append(lead)
    return tuple(sorted(set(leads), reverse=True))


def _read_secrets(
    reader: Reader, table: str, index: int, data: dict[str, Any]
) -> dict[str, str | None]:
    secrets: dict[str, str | None] = {}
    for key in SECRET_KEYS:
        value = reader.typed(table, index, data, key, str, "a reference 'env:NAME'", required=False)
        if value is not None and not ENV_REFERENCE.fullmatch(value):
            reader.fail(
                table, index, key, f"{key}: secrets are given by reference only: write env:NAME"
            )
            value = None
        secrets[key] = value
    return secrets


def read_member_notify(reader: Reader, data: Any, team: NotifyPolicy) -> dict[str, MemberNotify]:
    """Each `[[member]]`'s `notify_channels`, `lead_times` and webhook references."""
    found: dict[str, MemberNotify] = {}
    table = "member"
    for index, item in enumerate(data if isinstance(data, list) else []):
        if not isinstance(item, dict) or not MEMBER_NOTIFY_KEYS & set(item):
            continue
        channels = _read_channels(reader, table, index, item, "notify_channels")
        secrets = _read_secrets(reader, table, index, item)
        notify = MemberNotify(
            channels,
            _read_lead_times(reader, table, index, item),
            secrets["slack_webhook"],
            secrets["webhook_url"],
            secrets["webhook_secret"],
        )
        problem = channel_problem(notify, team)
        if problem:
            reader.fail(table, index, "notify_channels", problem)
        if isinstance(item.get("id"), str):
            found[item["id"]] = notify
    return found


def channel_problem(notify: MemberNotify, team: NotifyPolicy) -> str | None:
    """Why a member's channels cannot reach them (a webhook channel without a webhook of the
    member's or the team's), or None."""
    channels = notify.effective_channels(team)
    for channel, mine, teams, key in (
        (Channel.SLACK, notify.slack_webhook, team.slack_webhook, "slack_webhook"),
        (Channel.WEBHOOK, notify.webhook_url, team.webhook_url, "webhook_url"),
        (Channel.WEBHOOK, notify.webhook_secret, team.webhook_secret, "webhook_secret"),
    ):
        if channel in channels and mine is None and teams is None:
            return (
                f"channel {channel.value!r} needs {key} = \"env:NAME\" (the member's or the team's)"
            )
    return None


def parse_lead_time(field_name: str, text: object) -> timedelta:
    """A lead time such as `24h`, `30m` or `2d`, at most `MAX_LEAD_TIME`; `InvalidNotify`
    otherwise."""
    lead = parse_duration(text) if isinstance(text, str) else None
    if lead is None:
        raise InvalidNotify(
            field_name,
            f"lead time {text!r}: expected minutes, hours or days like '30m', '24h', '2d'",
        )
    if lead > MAX_LEAD_TIME:
        raise InvalidNotify(field_name, f"lead time {text!r}: at most {MAX_LEAD_TIME.days} days")
    return lead


def parse_duration(text: str) -> timedelta | None:
    """Return the duration of `30m`, `24h` or `2d`; None if `text` is not one."""
    match = DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        return None
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    try:
        return timedelta(**{unit: int(match.group(1))})
    except OverflowError:  # far beyond any lead time: the caller's bound refuses it by name
        return timedelta.max


def format_duration(delta: timedelta) -> str:
    """`24h`, `30m`, `2d`: the inverse of `parse_duration` for whole minutes (a day is
    written `24h`, as people say it)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes > 24 * 60:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
