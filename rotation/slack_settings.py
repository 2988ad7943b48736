"""A team's Slack settings: the `[slack]` table of its team file, and the rules the API
applies too.

Secrets (the app's signing secret, the bot token) are references, `env:NAME`, never values.
`channel` is where handoffs are announced and the channel `/rota` answers for without a team
name; `usergroups` maps a role (or `both`) to the Slack user group that follows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rotation.errors import InvalidNotify
from rotation.notify import ENV_REFERENCE
from rotation.tomlreader import Reader

#: The keys of `usergroups`: one group per role, and one for whoever is on (both roles).
GROUP_KEYS = ("developer", "operator", "both")
SLACK_KEYS = {"signing_secret", "bot_token", "channel", "usergroups"}
#: A Slack user group id (`S0614TZR7`).
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,20}$")
#: A channel id (`C0123ABCD`, `G...` for old private channels) or a channel name (`#payments`).
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,20}$")
CHANNEL_NAME = re.compile(r"^#?[a-z0-9][a-z0-9._-]{0,79}$")


class InvalidSlackSettings(InvalidNotify):
    """Slack settings that cannot be used: a secret given as a value, a malformed group or
    channel, a group or channel without the bot token that writes to it."""


@dataclass(frozen=True)
class SlackSettings:
    """What Rota needs to answer `/rota` for a team and to keep its Slack in step."""

    signing_secret: str | None = None
    bot_token: str | None = None
    channel: str | None = None
    usergroups: Mapping[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return any((self.signing_secret, self.bot_token, self.channel, self.usergroups))

    def links_channel(self, channel_id: str, channel_name: str) -> bool:
        """Whether a command from this channel (id and name as Slack sends them) is ours."""
        if self.channel is None:
            return False
        mine = self.channel.removeprefix("#")
        return mine in (channel_id, channel_name.removeprefix("#"))


def check_slack_settings(settings: SlackSettings) -> SlackSettings:
    """Return `settings` if Rota can use them; `InvalidSlackSettings` naming the field
    otherwise."""
    for name in ("signing_secret", "bot_token"):
        value = getattr(settings, name)
        if value is not None and not ENV_REFERENCE.fullmatch(value):
            raise InvalidSlackSettings(name, "secrets are given by reference only: write env:NAME")
    if settings.channel is not None and not (
        CHANNEL_ID.fullmatch(settings.channel) or CHANNEL_NAME.fullmatch(settings.channel)
    ):
        raise InvalidSlackSettings(
            "channel", f"{settings.channel!r}: expected a channel id (C0123ABCD) or #name"
        )
    for key, group in settings.usergroups.items():
        if key not in GROUP_KEYS:
            raise InvalidSlackSettings(
                "usergroups", f"unknown key {key!r} (expected {', '.join(GROUP_KEYS)})"
            )
        if not isinstance(group, str) or not USERGROUP_ID.fullmatch(group):
            raise InvalidSlackSettings(
                f"usergroups.{key}", f"{group!r}: expected a user group id such as S0614TZR7"
            )
    if len(set(settings.usergroups.values())) != len(settings.usergroups):
        raise InvalidSlackSettings("usergroups", "one user group cannot follow two roles")
    if (settings.usergroups or settings.channel) and settings.bot_token is None:
        what = "usergroups" if settings.usergroups else "channel"
        raise InvalidSlackSettings(what, 'needs bot_token = "env:NAME" to write to Slack')
    return settings


def read_slack(reader: Reader, data: Any) -> SlackSettings | None:
    """The `[slack]` table of a team file, or None when the file has none."""
    if data is None:
        return None
    table = "slack"
    if not isinstance(data, dict):
        reader.fail(table, 0, None, "slack: expected a [slack] table")
        return None
    reader.check_keys(table, 0, data, SLACK_KEYS)
    values: dict[str, Any] = {}
    for key in ("signing_secret", "bot_token", "channel"):
        what = "a channel id or #name" if key == "channel" else "a reference 'env:NAME'"
        values[key] = reader.typed(table, 0, data, key, str, what, required=False)
    groups = reader.typed(
        table, 0, data, "usergroups", dict, 'a table like {developer = "S0123"}', required=False
    )
    values["usergroups"] = dict(groups or {})
    try:
        return check_slack_settings(SlackSettings(**values))
    except InvalidSlackSettings as exc:
        key = exc.field.split(".")[0]
        reader.fail(table, 0, key, f"slack: {exc}")
        return None
