"""The team file (`samples/*.toml`): parsed and validated as a whole.

`parse_team_file` either returns a complete `TeamFile` or raises `TeamFileError` listing every
problem with the file, the line and the reason; nothing is ever half-read. It takes the text, not
a path, so it stays pure; reading the file is the caller's business.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from rotation.model import (
    Member,
    MemberNotify,
    Policy,
    Role,
    Team,
    TimeOff,
    require_in_range,
)
from rotation.notify import ENV_REFERENCE as ENV_REFERENCE  # re-exported: its old home
from rotation.notify import MEMBER_NOTIFY_KEYS, read_member_notify, read_notify
from rotation.notify import parse_duration as parse_duration
from rotation.periods import local_day_start, parse_handoff, parse_period, parse_timezone
from rotation.slack_settings import SlackSettings, read_slack
from rotation.teamdays import MAX_DAY_WEIGHT as MAX_DAY_WEIGHT
from rotation.teamdays import MAX_EXTRA_HOLIDAYS as MAX_EXTRA_HOLIDAYS
from rotation.teamdays import STABILITY_TOLERANCE_MAX as STABILITY_TOLERANCE_MAX
from rotation.teamdays import WEIGHT_KEYS as WEIGHT_KEYS
from rotation.teamdays import check_holiday_calendar as check_holiday_calendar
from rotation.teamdays import read_extra_holidays, read_stability_tolerance, read_weights
from rotation.tomlreader import CONTROL as CONTROL  # re-exported: its old home
from rotation.tomlreader import Problem as Problem
from rotation.tomlreader import Reader
from rotation.tomlreader import TeamFileError as TeamFileError
from rotation.tomlreader import TeamFilesError as TeamFilesError

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

TEAM_KEYS = {
    "id",
    "name",
    "timezone",
    "period",
    "handoff",
    "start",
    "holidays",
    "frozen_periods",
    "fairness_since",
    "extra_holidays",
    "weights",
    "swap_approval",
    "leads",
    "feed_local_times",
    "stability_tolerance",
}
MEMBER_KEYS = {
    "id",
    "name",
    "email",
    "roles",
    "weight",
    "joined",
    "left",
    "chat",
    "timezone",
    *MEMBER_NOTIFY_KEYS,
}
TIME_OFF_KEYS = {"member", "start", "end", "reason"}
TOP_KEYS = {"team", "member", "notify", "time_off", "slack"}


@dataclass(frozen=True)
class TeamFile:
    """Everything one team file declares."""

    path: str
    team: Team
    members: tuple[Member, ...]
    time_off: tuple[TimeOff, ...] = field(default=())
    #: Reminder settings of the members that declare any, by member id.
    member_notify: Mapping[str, MemberNotify] = field(default_factory=dict)
    #: The `[slack]` table, or None when the file has none.
    slack: SlackSettings | None = None


def parse_team_file(text: str, path: str = "<team file>") -> TeamFile:
    """Parse and validate a team file; raise `TeamFileError` naming every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise TeamFileError(path, [Problem(line, f"not valid TOML: {exc}")]) from exc

    reader = Reader(text)
    for key in sorted(set(data) - TOP_KEYS):
        reader.fail("", 0, key, f"unknown key or table {key!r} (expected {sorted(TOP_KEYS)})")
    team = _read_team(reader, data.get("team"))
    members = _read_members(reader, data.get("member", []))
    _check_leads(reader, team, {m.id for m in members})
    zone_name = team.policy.timezone if team else "UTC"
    time_off = _read_time_off(reader, data.get("time_off", []), {m.id for m in members}, zone_name)
    notify = read_notify(reader, data.get("notify", {}))
    member_notify = read_member_notify(reader, data.get("member", []), notify)
    slack = read_slack(reader, data.get("slack"))
    if reader.problems or team is None:
        raise TeamFileError(path, reader.problems)
    team = replace(team, notify=notify)
    return TeamFile(path, team, tuple(members), tuple(time_off), member_notify, slack)


def _read_team(reader: Reader, data: Any) -> Team | None:
    if not isinstance(data, dict):
        reader.fail("team", 0, None, "missing [team] table")
        return None
    reader.check_keys("team", 0, data, TEAM_KEYS)
    team_id = reader.typed("team", 0, data, "id", str, "a slug such as 'payments'")
    if team_id is not None and not SLUG.fullmatch(team_id):
        reader.fail("team", 0, "id", f"id {team_id!r}: use lower-case letters, digits, - and _")
    name = reader.typed("team", 0, data, "name", str, "a name")
    zone = reader.typed("team", 0, data, "timezone", str, "an IANA zone such as 'Europe/Berlin'")
    if (
        zone is not None
        and reader.attempt("team", 0, "timezone", lambda: parse_timezone(zone)) is None
    ):
        zone = None
    period_text = reader.typed("team", 0, data, "period", str, "a period such as '1w'")
    days = (
        reader.attempt("team", 0, "period", lambda: parse_period(period_text))
        if period_text
        else None
    )
    handoff_text = reader.typed("team", 0, data, "handoff", str, "a handoff such as 'monday 09:00'")
    handoff = None
    if handoff_text is not None and days is not None:
        handoff = reader.attempt("team", 0, "handoff", lambda: parse_handoff(handoff_text, days))
    start = _date(reader, "team", 0, data, "start", required=True)
    calendar = reader.typed(
        "team", 0, data, "holidays", str, "a country code such as 'DE'", required=False
    )
    if calendar is not None:
        reader.attempt("team", 0, "holidays", lambda: check_holiday_calendar(calendar))
    frozen = reader.typed("team", 0, data, "frozen_periods", int, "a whole number", required=False)
    if frozen is not None and not 0 <= frozen <= 52:
        reader.fail("team", 0, "frozen_periods", "frozen_periods: expected 0 to 52")
        frozen = None
    fairness_since = _date(reader, "team", 0, data, "fairness_since", required=False)
    extra_holidays = read_extra_holidays(reader, data)
    weights = read_weights(reader, data)
    tolerance = read_stability_tolerance(reader, data)
    swap_approval = reader.typed(
        "team", 0, data, "swap_approval", bool, "true or false", required=False
    )
    leads = reader.typed(
        "team", 0, data, "leads", list, 'member ids like ["alice"]', required=False
    )
    local_times = reader.typed(
        "team", 0, data, "feed_local_times", bool, "true or false", required=False
    )
    if None in (team_id, name, zone, days, handoff, start):
        return None
    assert handoff is not None
    assert days is not None
    assert start is not None
    policy = Policy(zone, days, handoff[1], start, handoff[0])
    return Team(
        team_id,
        name,
        policy,
        calendar,
        2 if frozen is None else frozen,
        weights=weights,
        extra_holidays=extra_holidays,
        fairness_since=fairness_since,
        swap_approval=bool(swap_approval),
        leads=tuple(leads or ()),
        feed_local_times=bool(local_times),
        stability_tolerance=tolerance,
    )


def _check_leads(reader: Reader, team: Team | None, member_ids: set[str]) -> None:
    """Leads are members of the team: they have an address to be told at."""
    seen: set[object] = set()
    for lead in team.leads if team else ():
        if not isinstance(lead, str) or lead not in member_ids:
            reader.fail("team", 0, "leads", f"leads: {lead!r} is not a member of this team")
        elif lead in seen:
            reader.fail("team", 0, "leads", f"leads: {lead!r} is listed twice")
        seen.add(lead)


def _read_members(reader: Reader, data: Any) -> list[Member]:
    if not isinstance(data, list):
        reader.fail("member", 0, None, "member: expected [[member]] tables")
        return []
    members: list[Member] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        member = _read_member(reader, index, item)
        if member is None:
            continue
        if member.id in seen:
            reader.fail("member", index, "id", f"member {member.id!r} is declared twice")
            continue
        seen[member.id] = index
        members.append(member)
    return members


def _read_member(reader: Reader, index: int, data: Any) -> Member | None:
    table = "member"
    if not isinstance(data, dict):
        reader.fail(table, index, None, f"member: expected a [[member]] table, got {data!r}")
        return None
    reader.check_keys(table, index, data, MEMBER_KEYS)
    member_id = reader.typed(table, index, data, "id", str, "a slug such as 'alice'")
    if member_id is not None and not SLUG.fullmatch(member_id):
        reader.fail(
            table, index, "id", f"id {member_id!r}: use lower-case letters, digits, - and _"
        )
        member_id = None
    name = reader.typed(table, index, data, "name", str, "a name")
    email = reader.typed(table, index, data, "email", str, "an email address")
    if email is not None and not EMAIL.fullmatch(email):
        reader.fail(table, index, "email", f"email {email!r} is not an email address")
    roles_raw = reader.typed(table, index, data, "roles", list, '["developer"] and/or "operator"')
    roles: set[Role] = set()
    for role in roles_raw or []:
        if not isinstance(role, str) or role not in {r.value for r in Role}:
            reader.fail(table, index, "roles", f"unknown role {role!r} (developer or operator)")
        else:
            roles.add(Role(role))
    if roles_raw is not None and not roles_raw:
        reader.fail(table, index, "roles", f"member {member_id!r} has no role")
    weight = reader.typed(table, index, data, "weight", (int, float), "a number", required=False)
    if weight is not None and not 0 < weight <= 1:
        reader.fail(table, index, "weight", f"weight {weight}: expected more than 0, at most 1")
    joined = _date(reader, table, index, data, "joined", required=False)
    left = _date(reader, table, index, data, "left", required=False)
    if joined and left and left < joined:
        reader.fail(table, index, "left", f"left {left} is before joined {joined}")
    chat = reader.typed(table, index, data, "chat", str, "a chat handle", required=False)
    zone = reader.typed(table, index, data, "timezone", str, "an IANA zone", required=False)
    if zone is not None:
        reader.attempt(table, index, "timezone", lambda: parse_timezone(zone))
    if None in (member_id, name, email) or not roles:
        return None
    return Member(
        member_id, name, email, frozenset(roles), float(weight or 1.0), joined, left, chat, zone
    )


def _read_time_off(
    reader: Reader, data: Any, member_ids: set[str], zone_name: str
) -> list[TimeOff]:
    table = "time_off"
    if not isinstance(data, list):
        reader.fail(table, 0, None, "time_off: expected [[time_off]] tables")
        return []
    zone = parse_timezone(zone_name)
    entries: list[tuple[int, TimeOff]] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            reader.fail(
                table, index, None, f"time_off: expected a [[time_off]] table, got {item!r}"
            )
            continue
        reader.check_keys(table, index, item, TIME_OFF_KEYS)
        member = reader.typed(table, index, item, "member", str, "a member id")
        if member is not None and member not in member_ids:
            reader.fail(table, index, "member", f"time off for unknown member {member!r}")
            member = None
        bounds = [_instant(reader, table, index, item, key, zone) for key in ("start", "end")]
        reason = reader.typed(table, index, item, "reason", str, "text", required=False) or ""
        start, end = bounds
        if member is None or start is None or end is None:
            continue
        if end <= start:
            reader.fail(table, index, "end", f"time off of {member!r} ends before it starts")
            continue
        entry = TimeOff(member, start, end, reason)
        for other_index, other in entries:
            if other.member == member and other.overlaps(start, end):
                other_line = reader.lines.of(table, other_index)
                reader.fail(
                    table,
                    index,
                    None,
                    f"time off of {member!r} overlaps the entry at line {other_line}",
                )
        entries.append((index, entry))
    return [entry for _, entry in entries]


def _date(
    reader: Reader, table: str, index: int, data: dict[str, Any], key: str, *, required: bool
) -> date | None:
    value = data.get(key)
    if value is None:
        if required:
            reader.fail(
                table, index, None, f"[{table}]: missing {key!r} (a date such as 2027-01-04)"
            )
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        reader.fail(table, index, key, f"{key}: expected a date such as 2027-01-04, got {value!r}")
        return None
    in_range: date | None = reader.attempt(table, index, key, lambda: require_in_range(key, value))
    return in_range


def _instant(
    reader: Reader, table: str, index: int, data: dict[str, Any], key: str, zone: Any
) -> datetime | None:
    """A time off bound: a date (a whole day in the team's zone) or an instant with an offset.

    A date `end` is inclusive: the time off lasts until the end of that day.
    """
    value = data.get(key)
    if value is None:
        reader.fail(table, index, None, f"[{table}]: missing {key!r}")
        return None
    if isinstance(value, date) and not reader.attempt(
        table, index, key, lambda: require_in_range(key, value)
    ):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            reader.fail(
                table,
                index,
                key,
                f"{key} {value.isoformat()} has no offset; write a date or add +01:00 or Z",
            )
            return None
        return value
    if isinstance(value, date):
        day = value + timedelta(days=1) if key == "end" else value
        result: datetime = local_day_start(day, zone)
        return result
    reader.fail(
        table, index, key, f"{key}: expected a date or an instant with offset, got {value!r}"
    )
    return None
