"""Reminders over HTTP: the queue (`GET /v1/reminders`, a lead's resend of a failed one), a
member's own reminder settings and their handoff note."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from api import repositories
from api.auth import Reader, Writer
from api.concurrency import check_if_match, lock_team, with_etag
from api.principals import Principal, check_may_act_for, check_may_write
from api.reminders import preferences
from api.repositories import audit, member_notify
from api.repositories import reminders as store
from api.repositories.reminders import Status
from api.routes.deps import ClockDep, IfMatch, RowId, SessionDep
from api.schemas.reminders import (
    HandoffNoteUpdate,
    MemberNotifyPublic,
    MemberNotifyUpdate,
    ReminderPagePublic,
    ReminderPublic,
)

router = APIRouter(tags=["reminders"])


DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@router.get("/v1/reminders", response_model=ReminderPagePublic)
def list_reminders(
    session: SessionDep,
    _: Reader,
    team: Annotated[str | None, Query(description="Only this team's reminders.")] = None,
    status: Annotated[Status | None, Query(description="Only reminders in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Only ids below (a page's next).")
    ] = None,
) -> ReminderPagePublic:
    """Reminders, newest first: pending, sending, sent, failed, missed and cancelled."""
    if team is not None:
        repositories.get_team_row(session, team)
    found = store.list_reminders(session, team, status, limit + 1, before)
    page = found[:limit]
    return ReminderPagePublic(
        reminders=[ReminderPublic.of(r) for r in page],
        next=page[-1].id if len(found) > limit else None,
    )


@router.post("/v1/reminders/{reminder_id}/resend", response_model=ReminderPublic)
def resend_reminder(
    reminder_id: RowId, session: SessionDep, clock: ClockDep, principal: Writer
) -> ReminderPublic:
    """Queue a failed reminder again (a lead of its team, or an admin)."""
    reminder = store.get_reminder(session, reminder_id)
    check_may_write(principal, reminder.team)
    now = clock.now()
    queued = store.resend(session, reminder_id, now)
    audit.record(
        session,
        at=now,
        actor=principal.name,
        action="reminder.resend",
        team_id=reminder.team,
        after={"reminder": reminder_id, "kind": reminder.kind.value},
    )
    session.commit()
    return ReminderPublic.of(queued)


@router.get("/v1/teams/{team}/members/{member}/notify", response_model=MemberNotifyPublic)
def get_member_notify(
    team: str, member: str, session: SessionDep, _: Reader, response: Response
) -> MemberNotifyPublic:
    """A member's reminder settings, what applies to them, and their handoff note."""
    found = repositories.get_team(session, team)
    repositories.get_member(session, team, member)
    notify = member_notify.member_notify(session, team, member)
    answer = MemberNotifyPublic.of(notify, found.notify)
    with_etag(response, answer)
    return answer


@router.put("/v1/teams/{team}/members/{member}/notify", response_model=MemberNotifyPublic)
def put_member_notify(
    team: str,
    member: str,
    body: MemberNotifyUpdate,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> MemberNotifyPublic:
    """Set a member's channels, lead times and webhook references (null: the team's). A
    member may set their own channels and lead times; the webhook references name server
    secrets, so they keep what a lead set (a member may send them back unchanged)."""
    check_may_act_for(principal, team, member)
    lock_team(session, team)
    found = repositories.get_team(session, team)
    repositories.get_member(session, team, member)
    current = member_notify.member_notify(session, team, member)
    check_if_match(if_match, MemberNotifyPublic.of(current, found.notify), "settings", member)
    asked = body.to_notify(current.handoff_note)
    if not principal.may_write(team):
        references = ("slack_webhook", "webhook_url", "webhook_secret")
        if any(
            name in body.model_fields_set and getattr(asked, name) != getattr(current, name)
            for name in references
        ):
            raise HTTPException(403, "only a lead of the team may set webhook references")
        asked = replace(asked, **{name: getattr(current, name) for name in references})
    wanted = preferences.check_member_notify(found, asked)
    now = clock.now()
    member_notify.save_member_notify(session, team, member, wanted, now)
    after = MemberNotifyPublic.of(wanted, found.notify)
    audit.record(
        session,
        at=now,
        actor=principal.name,
        action="member.notify",
        team_id=team,
        before=MemberNotifyPublic.of(current, found.notify).model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    session.commit()
    with_etag(response, after)
    return after


def check_may_set_handoff_note(principal: Principal, team: str, member: str) -> None:
    """Who may write `member`'s handoff note in `team`: a lead of the team, an admin, or the
    member themself (their member token)."""
    if not principal.may_act_for(team, member):
        raise HTTPException(403, f"this token may not set the handoff note of {member!r}")


@router.put("/v1/teams/{team}/members/{member}/handoff-note", response_model=MemberNotifyPublic)
def put_handoff_note(
    team: str,
    member: str,
    body: HandoffNoteUpdate,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> MemberNotifyPublic:
    """Set what `member` hands over with their turn: sent to both sides of their handoffs."""
    check_may_set_handoff_note(principal, team, member)
    lock_team(session, team)
    found = repositories.get_team(session, team)
    repositories.get_member(session, team, member)
    current = member_notify.member_notify(session, team, member)
    check_if_match(if_match, MemberNotifyPublic.of(current, found.notify), "settings", member)
    now = clock.now()
    updated = preferences.with_note(current, body.note)
    member_notify.save_member_notify(session, team, member, updated, now)
    audit.record(
        session,
        at=now,
        actor=principal.name,
        action="member.handoff_note",
        team_id=team,
        before={"note": current.handoff_note},
        after={"note": body.note},
    )
    session.commit()
    answer = MemberNotifyPublic.of(updated, found.notify)
    with_etag(response, answer)
    return answer
