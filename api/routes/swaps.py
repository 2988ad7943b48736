"""Swaps of a team: ask, accept, decline, approve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api import repositories
from api.adjustments.swaps import accept_swap, approve_swap, ask_swap, decline_swap
from api.auth import Reader, Writer
from api.concurrency import with_etag
from api.routes.deps import ClockDep, IfMatch, RowId, SessionDep
from api.schemas.adjustments import SwapChanged, SwapCreate, SwapDecision, SwapPublic

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


def _decision(decide: Decide, doc: str) -> Callable[..., SwapChanged]:
    """The route of one decision on a swap: the three share their input and answer."""

    def route(
        team: str,
        swap_id: RowId,
        session: SessionDep,
        clock: ClockDep,
        principal: Writer,
        body: SwapDecision | None = None,
        if_match: IfMatch = None,
    ) -> SwapChanged:
        reason = body.reason if body else ""
        answer = decide(
            session, team, swap_id, principal, clock.now(), if_match=if_match, reason=reason
        )
        session.commit()
        return answer

    route.__doc__ = doc
    return route


for _action, _decide, _doc in (
    (
        "accept",
        accept_swap,
        "`to_member` accepts: applied now, or `accepted` until a lead approves (team setting).",
    ),
    ("decline", decline_swap, "`to_member` declines, `from_member` withdraws, or a lead refuses."),
    ("approve", approve_swap, "A lead approves an accepted swap; it is applied."),
):
    router.post(
        f"/{{swap_id}}/{_action}",
        response_model=SwapChanged,
        name=_action,
        summary=_action.capitalize(),
    )(_decision(_decide, _doc))
