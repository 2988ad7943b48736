"""Swaps of a team: ask, accept, decline, approve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api import repositories
from api.adjustments.schemas import SwapChanged, SwapCreate, SwapDecision, SwapPublic
from api.adjustments.swaps import accept_swap, approve_swap, ask_swap, decline_swap
from api.auth import Reader, Writer
from api.concurrency import with_etag
from api.routes.deps import ClockDep, IfMatch, RowId, SessionDep

router = APIRouter(prefix="/v1/teams/{team}/swaps", tags=["swaps"])

Status = Literal["pending", "accepted", "applied", "declined", "expired"]


@router.get("", response_model=list[SwapPublic])
def list_swaps(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    _: Reader,
    status: Annotated[Status | None, Query(description="Only swaps in this state.")] = None,
) -> list[SwapPublic]:
    repositories.get_team_row(session, team)
    now = clock.now()
    swaps = [SwapPublic.of(row, now) for row in repositories.swap_rows(session, team)]
    return [s for s in swaps if status is None or s.status == status]


@router.post("", response_model=SwapChanged, status_code=201)
def create_swap(
    team: str, body: SwapCreate, session: SessionDep, clock: ClockDep, principal: Writer
) -> SwapChanged:
    """`from_member` offers their turn for `to_member`'s (same role, both in the future)."""
    answer = ask_swap(session, team, body, principal, clock.now())
    session.commit()
    return answer


@router.get("/{swap_id}", response_model=SwapPublic)
def get_swap(
    team: str, swap_id: RowId, session: SessionDep, clock: ClockDep, _: Reader, response: Response
) -> SwapPublic:
    repositories.get_team_row(session, team)
    found = SwapPublic.of(repositories.get_swap_row(session, team, swap_id), clock.now())
    with_etag(response, found)
    return found


Decide = Callable[..., SwapChanged]


def _decide(
    decide: Decide,
    team: str,
    swap_id: int,
    body: SwapDecision | None,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    if_match: str | None,
) -> SwapChanged:
    reason = body.reason if body else ""
    answer = decide(
        session, team, swap_id, principal, clock.now(), if_match=if_match, reason=reason
    )
    session.commit()
    return answer


@router.post("/{swap_id}/accept", response_model=SwapChanged)
def accept(
    team: str,
    swap_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    body: SwapDecision | None = None,
    if_match: IfMatch = None,
) -> SwapChanged:
    """`to_member` accepts: applied now, or `accepted` until a lead approves (team setting)."""
    return _decide(accept_swap, team, swap_id, body, session, clock, principal, if_match)


@router.post("/{swap_id}/decline", response_model=SwapChanged)
def decline(
    team: str,
    swap_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    body: SwapDecision | None = None,
    if_match: IfMatch = None,
) -> SwapChanged:
    """`to_member` declines, `from_member` withdraws, or a lead refuses."""
    return _decide(decline_swap, team, swap_id, body, session, clock, principal, if_match)


@router.post("/{swap_id}/approve", response_model=SwapChanged)
def approve(
    team: str,
    swap_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    principal: Writer,
    body: SwapDecision | None = None,
    if_match: IfMatch = None,
) -> SwapChanged:
    """A lead approves an accepted swap; it is applied."""
    return _decide(approve_swap, team, swap_id, body, session, clock, principal, if_match)
