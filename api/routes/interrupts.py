"""`/v1/teams/{team}/interrupts`: load actually carried during turns, posted by a lead or by a
monitoring system (its own JSON, or Prometheus Alertmanager's webhook payload as it is) with
the team's webhook token; and the team's settings for it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlmodel import Session

from api import planning, repositories
from api.auth import Reader, Writer
from api.concurrency import lock_team
from api.database import get_session
from api.principals import TOKEN_PREFIX, check_may_write, hash_token
from api.repositories import audit
from api.repositories import interrupts as store
from api.repositories.tokens import find_token
from api.routes.deps import ClockDep, SessionDep, SettingsDep
from api.schemas.alertmanager import AlertmanagerPayload, is_alertmanager
from api.schemas.interrupts import (
    Holder,
    InterruptCreate,
    InterruptPublic,
    InterruptSettingsPublic,
    InterruptSettingsUpdate,
    InterruptsRecorded,
    WebhookTokenPublic,
)
from api.tables.interrupts import InterruptRow
from rotation import BeyondPlan, Role, period_at
from rotation.carried import Interrupt
from rotation.errors import InvalidReference, NoTurnAt

router = APIRouter(prefix="/v1/teams/{team}", tags=["carried load"])
_bearer = HTTPBearer(auto_error=False, description="An API token, or the team's webhook token.")
_ONE = timedelta(microseconds=1)


def poster(
    team: str,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[Session, Depends(get_session)],
    clock: ClockDep,
) -> str:
    """Who posts: the team's webhook token, or an API token that may write the team."""
    if credentials is None:
        raise HTTPException(401, "this needs a bearer token: the team's webhook token or a lead's")
    settings = store.settings_row(session, team)
    if settings is not None and settings.webhook_token_hash == hash_token(credentials.credentials):
        return "webhook"
    principal = find_token(session, credentials.credentials, clock.now())
    if principal is None:
        raise HTTPException(401, "the bearer token is unknown or revoked")
    check_may_write(principal, team)
    return principal.name


Poster = Annotated[str, Depends(poster)]


@router.post("/interrupts", response_model=InterruptsRecorded, status_code=201)
def post_interrupts(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    actor: Poster,
    body: Annotated[Any, Body(description="An interruption, or Alertmanager's webhook payload")],
) -> InterruptsRecorded:
    """Record interruptions handled during turns. Each counts for whoever held the slot at its
    instant (both slots without `role`). An Alertmanager payload records each alert once, as a
    page at its `startsAt`: one delivered again is counted in `duplicates`."""
    found = repositories.get_team(session, team)
    lock_team(session, team)
    now = clock.now()
    rows: list[InterruptRow] = []
    duplicates = 0
    try:
        if is_alertmanager(body):
            payload = AlertmanagerPayload.model_validate(body)
            keys: set[str] = set()
            for alert in payload.alerts:
                key = alert.key()
                if key in keys or store.known(session, team, key):
                    duplicates += 1
                    continue
                keys.add(key)
                interrupt = Interrupt(alert.at(), alert.kind(), alert.weight(), alert.role())
                rows.append(
                    store.add(
                        session,
                        team,
                        interrupt,
                        source="alertmanager",
                        note=alert.note(),
                        actor=actor,
                        now=now,
                        dedupe=key,
                    )
                )
        else:
            given = InterruptCreate.model_validate(body)
            at = given.at.astimezone(now.tzinfo)
            if at > now:
                raise InvalidReference(
                    "at", f"{at.isoformat()} is in the future: record interruptions once handled"
                )
            if period_at(found.policy, at) is None:
                raise NoTurnAt("at", at, "it is before the team's first period")
            end = repositories.plan_end(session, team)
            if end is None or at >= end:
                raise BeyondPlan("at", at, end)
            interrupt = Interrupt(at, given.kind, given.hours(), given.role)
            rows.append(
                store.add(
                    session, team, interrupt, source="api", note=given.note, actor=actor, now=now
                )
            )
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None
    session.flush()
    recorded = [InterruptPublic.of(r, counts_for(session, team, r.at, r.role)) for r in rows]
    for item in recorded:
        audit.record_change(session, now, actor, "interrupt.create", team, None, item)
    session.commit()
    return InterruptsRecorded(recorded=recorded, duplicates=duplicates)


def counts_for(session: Session, team: str, at: datetime, role: str | None) -> list[Holder]:
    held = store.carried(session, team, at, at + _ONE)
    return [
        Holder(role=r, member=member)
        for (member, r) in sorted(held, key=lambda k: (k[1].value, k[0]))
        if role is None or r == Role(role)
    ]


@router.get("/interrupts", response_model=list[InterruptPublic])
def list_interrupts(team: str, session: SessionDep, _: Reader) -> list[InterruptPublic]:
    repositories.get_team(session, team)
    return [
        InterruptPublic.of(r, counts_for(session, team, r.at, r.role))
        for r in store.interrupt_rows(session, team)
    ]


@router.get("/interrupt-settings", response_model=InterruptSettingsPublic)
def get_settings(team: str, session: SessionDep, _: Reader) -> InterruptSettingsPublic:
    repositories.get_team(session, team)
    row = store.settings_row(session, team)
    return InterruptSettingsPublic(
        interrupt_weight=row.interrupt_weight if row else 0.0,
        webhook_token=bool(row and row.webhook_token_hash),
    )


@router.put("/interrupt-settings", response_model=InterruptSettingsPublic)
def put_settings(
    team: str,
    body: InterruptSettingsUpdate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Writer,
) -> InterruptSettingsPublic:
    """Set how much carried load weighs in the plan; the plan after the frozen window is
    regenerated at once (a change of how load is weighed)."""
    check_may_write(principal, team)
    lock_team(session, team)
    repositories.get_team(session, team)
    now = clock.now()
    before = get_settings(team, session, principal)
    row = store.save_settings(session, team, now, weight=body.interrupt_weight)
    session.flush()
    update = planning.refresh_plan(session, team, now, regenerate=True, budget=settings.budget)
    after = InterruptSettingsPublic(
        interrupt_weight=row.interrupt_weight, webhook_token=bool(row.webhook_token_hash)
    )
    audit.record_change(
        session, now, principal.name, "interrupt-settings.update", team, before, after
    )
    planning.record_plan_update(
        session,
        at=now,
        actor=principal.name,
        team_id=team,
        update=update,
        regenerate=True,
        reason="interrupt_weight changed",
    )
    session.commit()
    return after


@router.post("/interrupt-token", response_model=WebhookTokenPublic, status_code=201)
def new_webhook_token(
    team: str, session: SessionDep, clock: ClockDep, principal: Writer
) -> WebhookTokenPublic:
    """A new webhook token for the team (the old one stops working). It may only post
    interruptions to this team. Shown once, stored as a hash."""
    check_may_write(principal, team)
    lock_team(session, team)
    repositories.get_team(session, team)
    secret = TOKEN_PREFIX + "hook_" + secrets.token_urlsafe(32)
    store.save_settings(session, team, clock.now(), token_hash=hash_token(secret))
    audit.record_change(
        session, clock.now(), principal.name, "interrupt-token.create", team, None, None
    )
    session.commit()
    return WebhookTokenPublic(token=secret)
