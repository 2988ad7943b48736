"""The repository of carried load: interruptions and each team's settings for them (the
settings row also holds the hash of the team's webhook token)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.repositories.adjustments import overrides
from api.repositories.plans import assignments, plan_end
from api.repositories.teams import get_team
from api.tables.interrupts import InterruptRow, InterruptSettingsRow
from rotation import Role, resolve
from rotation.carried import Carried, Interrupt, InterruptKind, carried_by, weighted
from rotation.periods import fairness_start


def interrupt_of_row(row: InterruptRow) -> Interrupt:
    return Interrupt(
        row.at, InterruptKind(row.kind), row.weight, Role(row.role) if row.role else None
    )


def interrupt_rows(session: Session, team_id: str) -> list[InterruptRow]:
    return list(
        session.exec(
            select(InterruptRow)
            .where(InterruptRow.team_id == team_id)
            .order_by(col(InterruptRow.at), col(InterruptRow.id))
        )
    )


def add(
    session: Session,
    team_id: str,
    interrupt: Interrupt,
    *,
    source: str,
    note: str,
    actor: str,
    now: datetime,
    dedupe: str | None = None,
) -> InterruptRow:
    """Store one interruption (the caller commits)."""
    row = InterruptRow(
        team_id=team_id,
        at=interrupt.at,
        kind=interrupt.kind.value,
        weight=interrupt.weight,
        role=interrupt.role.value if interrupt.role else None,
        source=source,
        dedupe=dedupe,
        note=note,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    return row


def known(session: Session, team_id: str, dedupe: str) -> bool:
    """Whether an alert with this key is stored already."""
    found = session.exec(
        select(InterruptRow.id).where(
            InterruptRow.team_id == team_id, InterruptRow.dedupe == dedupe
        )
    ).first()
    return found is not None


def settings_row(session: Session, team_id: str) -> InterruptSettingsRow | None:
    return session.get(InterruptSettingsRow, team_id)


def interrupt_weight(session: Session, team_id: str) -> float:
    row = settings_row(session, team_id)
    return row.interrupt_weight if row else 0.0


def save_settings(
    session: Session,
    team_id: str,
    now: datetime,
    *,
    weight: float | None = None,
    token_hash: str | None = None,
) -> InterruptSettingsRow:
    row = settings_row(session, team_id) or InterruptSettingsRow(team_id=team_id, updated_at=now)
    if weight is not None:
        row.interrupt_weight = weight
    if token_hash is not None:
        row.webhook_token_hash = token_hash
    row.updated_at = now
    session.add(row)
    return row


def carried(
    session: Session, team_id: str, since: datetime, until: datetime
) -> dict[tuple[str, Role], Carried]:
    """What each member carried in each role from interruptions in `[since, until)`."""
    rows = [r for r in interrupt_rows(session, team_id) if since <= r.at < until]
    if not rows:
        return {}
    plan = assignments(session, team_id, since, until)
    entries = resolve(plan, since, until, overrides(session, team_id, since, until))
    return carried_by((interrupt_of_row(r) for r in rows), entries)


def planner_load(session: Session, team_id: str) -> dict[tuple[str, Role], float]:
    """The extra load the planner counts: carried load over the fairness window times the
    team's `interrupt_weight` (nothing when it is 0)."""
    weight = interrupt_weight(session, team_id)
    if weight <= 0:
        return {}
    team = get_team(session, team_id)
    end = plan_end(session, team_id)
    since = fairness_start(team)
    if end is None or end <= since:
        return {}
    return weighted(carried(session, team_id, since, end), weight)
