"""The rules of members' own reminder settings (their rows: `api.repositories.member_notify`):
channels that can reach the member, leads who are members, the handoff note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from rotation import Team
from rotation.errors import InvalidNotify
from rotation.model import MemberNotify
from rotation.notify import channel_problem


def check_member_notify(team: Team, notify: MemberNotify) -> MemberNotify:
    """Return `notify` if its channels can reach the member with the team's settings."""
    problem = channel_problem(notify, team.notify)
    if problem:
        raise InvalidNotify("channels", problem)
    return notify


def check_leads(team: Team, member_ids: Iterable[str]) -> Team:
    """Return `team` if every lead is one of `member_ids`."""
    members = set(member_ids)
    for lead in team.leads:
        if lead not in members:
            raise InvalidNotify("leads", f"{lead!r} is not a member of team {team.id!r}")
    return team


def with_note(notify: MemberNotify, note: str) -> MemberNotify:
    return replace(notify, handoff_note=note)
