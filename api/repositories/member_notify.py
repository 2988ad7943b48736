"""Members' own reminder settings and handoff notes: the rows of `member_notify`.

A member without a row (or with null settings) is reminded like the team says. The settings are
per team membership: someone on two teams may want other channels for each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session, select

from api.tables import MemberNotifyRow
from rotation import Channel
from rotation.model import MemberNotify


def notify_from_row(row: MemberNotifyRow) -> MemberNotify:
    return MemberNotify(
        channels=None if row.channels is None else tuple(Channel(c) for c in row.channels),
        lead_times=None
        if row.lead_times is None
        else tuple(timedelta(seconds=s) for s in row.lead_times),
        slack_webhook=row.slack_webhook,
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        handoff_note=row.handoff_note,
    )


def member_notify(session: Session, team_id: str, member_id: str) -> MemberNotify:
    row = session.get(MemberNotifyRow, (team_id, member_id))
    return MemberNotify() if row is None else notify_from_row(row)


def team_member_notify(session: Session, team_id: str) -> dict[str, MemberNotify]:
    """Every member of `team_id` who has settings of their own, by member id."""
    rows = session.exec(select(MemberNotifyRow).where(MemberNotifyRow.team_id == team_id))
    return {row.person_id: notify_from_row(row) for row in rows}


def save_member_notify(
    session: Session, team_id: str, member_id: str, notify: MemberNotify, now: datetime
) -> None:
    """Store `notify` (its handoff note included) for `member_id` of `team_id`."""
    row = session.get(MemberNotifyRow, (team_id, member_id)) or MemberNotifyRow(
        team_id=team_id, person_id=member_id, updated_at=now
    )
    row.channels = None if notify.channels is None else [c.value for c in notify.channels]
    row.lead_times = (
        None
        if notify.lead_times is None
        else [int(lead.total_seconds()) for lead in notify.lead_times]
    )
    row.slack_webhook = notify.slack_webhook
    row.webhook_url = notify.webhook_url
    row.webhook_secret = notify.webhook_secret
    row.handoff_note = notify.handoff_note
    row.updated_at = now
    session.add(row)


def load_file_notify(
    session: Session,
    team_id: str,
    member_ids: Iterable[str],
    declared: Mapping[str, MemberNotify],
    now: datetime,
) -> None:
    """Set each file member's settings to what the file declares (none: the team's), keeping
    the handoff note, which only the API sets."""
    for member_id in member_ids:
        current = member_notify(session, team_id, member_id)
        wanted = replace(declared.get(member_id, MemberNotify()), handoff_note=current.handoff_note)
        if wanted != current:
            save_member_notify(session, team_id, member_id, wanted, now)
