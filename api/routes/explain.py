"""Why the holder of a slot holds it, and why each other member of the role does not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api import repositories
from api.auth import SupportReader
from api.explanations import explain_view
from api.routes.deps import ClockDep, SessionDep, SettingsDep
from api.schemas.explain import ExplanationPublic
from rotation import Role, require_aware

router = APIRouter(prefix="/v1", tags=["on support"])


@router.get("/teams/{team}/explain", response_model=ExplanationPublic)
def explain(
    team: str,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: SupportReader,
    at: Annotated[
        AwareDatetime | None,
        Query(description="An instant with its offset (default now), e.g. 2027-03-01T10:00:00Z"),
    ] = None,
    role: Annotated[Role, Query(description="The slot: developer or operator")] = Role.DEVELOPER,
) -> ExplanationPublic:
    """Who holds the `role` slot at `at` and by what, their load and share before and after the
    period, why each other member of the role does not hold it, and what handing them the turn
    would do to the balance. Every figure is recomputed from the stored plan, time off and
    policy (docs/explain.md). Anonymous readers see names only."""
    found = repositories.get_team(session, team)
    moment = require_aware("at", at) if at else clock.now()
    return explain_view(
        session, found, moment, role, clock.now(), settings.budget, contacts=principal is not None
    )
