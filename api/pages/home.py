"""`/`: who is on support now (or at `?at=`) in every team; signing in and out."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api import repositories, views
from api.pages.access import SettingsDep, Viewer, may_read_support, parse_instant
from api.pages.errors import FormErrors, form_errors
from api.pages.render import page
from api.pages.session import check_csrf, sign_in, sign_out
from api.routes.deps import ClockDep, SessionDep
from rotation import RotationError

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Viewer,
    at: str = "",
    q: str = "",
) -> Response:
    """Every team's developer and operator now, uncovered slots first in sight."""
    if not may_read_support(principal, settings):
        return page(request, "signin.html", {"errors": FormErrors(), "next": "/"})
    errors = FormErrors()
    moment = clock.now()
    if at:
        try:
            moment = parse_instant("at", at)
        except RotationError as exc:
            errors = form_errors(exc, ("at",))
    answer = views.all_on_support_view(session, moment, cache=request.app.state.published)
    teams = {team.id: team for team in repositories.list_teams(session)}
    needle = q.strip().lower()
    cards: list[dict[str, Any]] = [
        {"team": teams[a.team], "answer": a}
        for a in answer.teams
        if not needle or needle in a.team.lower() or needle in teams[a.team].name.lower()
    ]
    uncovered = [c for c in cards if c["answer"].uncovered]  # flagged above the list
    return page(
        request,
        "home.html",
        {
            "at": answer.at,
            "at_text": at,
            "fixed": bool(at) and not errors,
            "q": q,
            "cards": cards,
            "uncovered": uncovered,
            "errors": errors,
            "contacts": principal is not None,
        },
        status_code=errors.status if errors else 200,
    )


def _local_path(target: str) -> str:
    """Only a path on this site: a sign-in link must not send anyone elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf)
    request.state.principal = None
    target = _local_path(next)
    if not token.strip():
        errors = FormErrors({"token": "paste an API token (it starts with rota_)"}, 422)
    elif sign_in(request, session, token) is None:
        errors = FormErrors({"token": "this API token is unknown or revoked"}, 400)
    else:
        return RedirectResponse(target, status_code=303)
    return page(
        request, "signin.html", {"errors": errors, "next": target}, status_code=errors.status
    )


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, principal: Viewer, next: str = "/") -> Response:
    return page(request, "signin.html", {"errors": FormErrors(), "next": _local_path(next)})


@router.post("/sign-out")
def sign_out_form(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    sign_out(request)
    return RedirectResponse("/", status_code=303)
