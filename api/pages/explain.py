"""`/teams/{team}/explain`: why the holder of a turn holds it, and why each other member of the
role does not, rendered from the same view as `GET /v1/teams/{team}/explain`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from api import repositories
from api.explanations import explain_view
from api.pages.access import SettingsDep, Viewer, may_read_support, parse_instant
from api.pages.errors import FormErrors, form_errors
from api.pages.render import page
from api.routes.deps import ClockDep, SessionDep
from rotation import Role, RotationError

router = APIRouter(include_in_schema=False)


@router.get("/teams/{team}/explain", response_class=HTMLResponse)
def explain_page(
    team: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Viewer,
    at: str | None = None,
    role: Literal["developer", "operator"] = "developer",
) -> Response:
    """The explanation of the `role` turn at `at` (default now). Contact details only for a
    signed-in reader; the lower bound is not proven here (a page answers at once)."""
    target = f"/teams/{team}/explain?{request.url.query}"
    if not may_read_support(principal, settings):
        return page(request, "signin.html", {"errors": FormErrors(), "next": target})
    found = repositories.get_team(session, team)
    context = {"team": found, "zone": found.policy.timezone, "role": role, "at": at or ""}
    try:
        moment = parse_instant("at", at) if at else clock.now()
        answer = explain_view(
            session,
            found,
            moment,
            Role(role),
            clock.now(),
            settings.budget,
            contacts=principal is not None,
            with_bound=False,
        )
    except RotationError as error:
        refused = form_errors(error, ("at",))
        message = refused.get("at") or refused.get("")
        return page(
            request,
            "explain.html",
            {**context, "explanation": None, "error": message},
            status_code=refused.status,
        )
    return page(request, "explain.html", {**context, "explanation": answer, "error": ""})
