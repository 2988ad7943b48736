"""`/teams/{team}`: the pair now and next, the coming weeks, the fairness charts, subscribe
links, the audit log, the reminders, and the forms of leads and members."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.responses import HTMLResponse, Response

from api import repositories, views
from api.clock import Clock
from api.concurrency import etag
from api.feeds.events import FeedKind, FeedScope
from api.feeds.tokens import may_manage_feed
from api.pages.access import SettingsDep, Viewer, may_read_support
from api.pages.calendar import team_calendar
from api.pages.charts import load_chart, weekend_chart
from api.pages.errors import FormErrors
from api.pages.render import page
from api.principals import Principal, TokenRole
from api.repositories import reminders as reminders
from api.routes.deps import ClockDep, SessionDep
from api.schemas import OnSupportPublic
from api.schemas.adjustments import OverridePublic, SwapPublic, TimeOffPublic
from api.schemas.reminders import ReminderPublic
from api.settings import Settings
from rotation import BeyondPlan, Team

router = APIRouter(include_in_schema=False)

#: Rows of the audit log and the reminders shown; the API pages through the rest.
RECENT = 15


@router.get("/teams/{team}", response_class=HTMLResponse)
def team_page(
    team: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Viewer,
    view: Literal["month", "list"] = "month",
    start: date | None = None,
) -> Response:
    if not may_read_support(principal, settings):
        return page(request, "signin.html", {"errors": FormErrors(), "next": f"/teams/{team}"})
    return render_team(request, session, clock, settings, principal, team, view, start)


def render_team(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    principal: Principal | None,
    team_id: str,
    view: str = "month",
    start: date | None = None,
    *,
    form: str = "",
    errors: FormErrors | None = None,
    result: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The team page as it is now; after a form, with its errors or what changed."""
    team = repositories.get_team(session, team_id)
    now = clock.now()
    current = views.on_support_view(session, team, now)
    context: dict[str, Any] = {
        "team": team,
        "zone": team.policy.timezone,
        "now": current,
        "next": _next_pair(session, team, current),
        "calendar": team_calendar(session, team, now, start),
        "view": view,
        "contacts": principal is not None,
        "form": form,
        "errors": errors or FormErrors(),
        "result": result,
        "values": values or {},
    }
    if principal is not None:
        context.update(_reader_context(session, team, principal, now, settings))
    return page(request, "team.html", context, status_code=status_code)


def _next_pair(session: Session, team: Team, current: OnSupportPublic) -> OnSupportPublic | None:
    if current.next_handoff is None:
        return None
    try:
        return views.on_support_view(session, team, current.next_handoff)
    except BeyondPlan:
        return None


def _reader_context(
    session: Session, team: Team, principal: Principal, now: datetime, settings: Settings
) -> dict[str, Any]:
    """What needs a token: the report, the log, the reminders, and the forms it may use."""
    members = repositories.list_members(session, team.id)
    names = {m.id: m.name for m in members}
    report = views.fairness_view(session, team, None, None, now, settings.budget, False)
    charts = [
        {"role": role, "load": load_chart(role, names), "weekend": weekend_chart(role, names)}
        for role in report.roles
    ]
    time_off = [
        (TimeOffPublic.of(r), etag(TimeOffPublic.of(r)))
        for r in repositories.time_off_rows(session, team.id, since=now)
    ]
    overrides = [
        (OverridePublic.of(r), etag(OverridePublic.of(r)))
        for r in repositories.override_rows(session, team.id, since=now)
    ]
    swaps = [
        (s, etag(s))
        for s in (SwapPublic.of(r, now) for r in repositories.swap_rows(session, team.id))
    ]
    own = principal.member if principal.role is TokenRole.MEMBER else None
    member_teams = repositories.teams_of(session, own) if own else []
    return {
        "members": members,
        "names": names,
        "report": report,
        "charts": charts,
        "time_off": time_off,
        "overrides": overrides,
        "swaps": swaps,
        "audit": views.audit_page(session, team.id, RECENT).entries,
        "reminders": [
            ReminderPublic.of(r)
            for r in reminders.list_reminders(session, team.id, None, RECENT, None)
        ],
        "may_write": principal.may_write(team.id),
        "own": own if own in names else None,
        "may_team_feed": may_manage_feed(principal, FeedScope(FeedKind.TEAM, team=team.id), []),
        "may_own_feed": own in names
        and may_manage_feed(principal, FeedScope(FeedKind.MEMBER, member=own), member_teams),
    }
