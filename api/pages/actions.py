"""The forms of the team page. Each one calls the same core function as its API route, with the
signed-in principal, so the page can do exactly what that token may do through the API; it
answers with the team page, showing what changed or, next to each field, why not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from pydantic import ValidationError
from starlette.responses import HTMLResponse, Response

from api import repositories
from api.adjustments.overrides import add_override, delete_override
from api.adjustments.swaps import accept_swap, approve_swap, ask_swap, decline_swap
from api.adjustments.time_off import add_time_off, delete_time_off
from api.feeds.events import FeedKind
from api.pages.access import SettingsDep, Viewer
from api.pages.errors import FormErrors, form_errors
from api.pages.render import page
from api.pages.session import check_csrf
from api.pages.team import render_team
from api.principals import Principal
from api.routes.deps import ClockDep, RowId, SessionDep
from api.routes.feeds import create_feed_token
from api.routes.support import generate
from api.schemas import GenerateRequest
from api.schemas.adjustments import OverrideCreate, SwapCreate, TimeOffCreate
from api.schemas.feeds import FeedTokenCreate
from rotation import RotationError
from rotation.periods import wall_time_to_utc

router = APIRouter(prefix="/teams/{team}", include_in_schema=False)

Text = Annotated[str, Form(max_length=500)]
Csrf = Annotated[str, Form()]

FIELDS = (
    "member",
    "role",
    "start",
    "end",
    "reason",
    "from_member",
    "from_period_start",
    "to_member",
    "to_period_start",
)
STALE = (
    "Someone changed this since you opened the page: nothing was changed. Below is how it "
    "is now; look again and retry if it still applies."
)


class Action:
    """One form post: check the session and CSRF token, run `change`, commit, answer."""

    def __init__(
        self,
        request: Request,
        session: SessionDep,
        clock: ClockDep,
        settings: SettingsDep,
        principal: Viewer,
        team: str,
    ) -> None:
        self.request, self.session, self.clock, self.settings = request, session, clock, settings
        self.principal, self.team = principal, team

    def run(
        self,
        csrf: str,
        form: str,
        values: dict[str, str],
        change: Callable[[Principal, datetime], dict[str, Any]],
    ) -> Response:
        check_csrf(self.request, csrf)
        if self.principal is None:
            errors = FormErrors({"": "sign in to change the rota"}, 403)
            context = {"errors": errors, "next": f"/teams/{self.team}"}
            return page(self.request, "signin.html", context, status_code=errors.status)
        try:
            result = change(self.principal, self.clock.now())
            self.session.commit()
        except (RotationError, HTTPException, ValidationError) as exc:
            self.session.rollback()
            errors = form_errors(exc, FIELDS)
            if errors.stale:
                errors.fields = {"": STALE}
            return self._render(form, errors=errors, values=values, status_code=errors.status)
        return self._render(form, result=result)

    def _render(self, form: str, **kwargs: Any) -> HTMLResponse:
        return render_team(
            self.request,
            self.session,
            self.clock,
            self.settings,
            self.principal,
            self.team,
            form=form,
            **kwargs,
        )

    def local(self, value: str) -> str:
        """A `datetime-local` field (no offset) read as wall time in the team's zone, by the
        rotation's DST rule (a time skipped by spring-forward is the first instant after it;
        a repeated one is its first occurrence). A date, or a value with an offset, as typed."""
        text = value.strip()
        if "T" not in text:
            return text
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text  # the schema names the field and says what is wrong
        if moment.tzinfo is not None:
            return text
        zone = repositories.get_team(self.session, self.team).policy.zone
        return wall_time_to_utc(moment.date(), moment.time(), zone).isoformat()


ActionDep = Annotated[Action, Depends()]


def _changes(title: str, answer: Any) -> dict[str, Any]:
    return {
        "title": title,
        "changed": getattr(answer, "changed", []),
        "still_on_duty": getattr(answer, "still_on_duty", []),
    }


@router.post("/time-off", response_class=HTMLResponse)
def time_off_form(
    action: ActionDep,
    csrf: Csrf = "",
    member: Text = "",
    start: Text = "",
    end: Text = "",
    reason: Text = "",
) -> Response:
    values = {"member": member, "start": start, "end": end, "reason": reason}

    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        body = TimeOffCreate.model_validate(values)
        answer = add_time_off(
            action.session, action.team, body, principal, now, action.settings.budget
        )
        return _changes("Time off added", answer)

    return action.run(csrf, "time-off", values, change)


@router.post("/time-off/{time_off_id}/delete", response_class=HTMLResponse)
def time_off_delete_form(
    action: ActionDep, time_off_id: RowId, csrf: Csrf = "", etag: Text = ""
) -> Response:
    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        answer = delete_time_off(
            action.session,
            action.team,
            time_off_id,
            principal,
            now,
            etag or None,
            action.settings.budget,
        )
        return _changes("Time off removed", answer)

    return action.run(csrf, "time-off", {}, change)


@router.post("/overrides", response_class=HTMLResponse)
def override_form(
    action: ActionDep,
    csrf: Csrf = "",
    role: Text = "",
    member: Text = "",
    start: Text = "",
    end: Text = "",
    reason: Text = "",
) -> Response:
    values = {"role": role, "member": member, "start": start, "end": end, "reason": reason}

    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        body = OverrideCreate.model_validate(
            {
                **values,
                "start": action.local(start) or None,
                "end": action.local(end),
            }
        )
        return _changes(
            "Override added", add_override(action.session, action.team, body, principal, now)
        )

    return action.run(csrf, "override", values, change)


@router.post("/overrides/{override_id}/delete", response_class=HTMLResponse)
def override_delete_form(
    action: ActionDep, override_id: RowId, csrf: Csrf = "", etag: Text = ""
) -> Response:
    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        answer = delete_override(
            action.session, action.team, override_id, principal, now, if_match=etag or None
        )
        return _changes("Override cancelled", answer)

    return action.run(csrf, "override", {}, change)


@router.post("/swaps", response_class=HTMLResponse)
def swap_form(
    action: ActionDep,
    csrf: Csrf = "",
    role: Text = "",
    from_member: Text = "",
    from_period_start: Text = "",
    to_member: Text = "",
    to_period_start: Text = "",
    reason: Text = "",
) -> Response:
    values = {
        "role": role,
        "from_member": from_member,
        "from_period_start": from_period_start,
        "to_member": to_member,
        "to_period_start": to_period_start,
        "reason": reason,
    }

    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        body = SwapCreate.model_validate(values)
        return _changes(
            "Swap proposed", ask_swap(action.session, action.team, body, principal, now)
        )

    return action.run(csrf, "swap", values, change)


DECISIONS = {
    "accept": (accept_swap, "Swap accepted"),
    "decline": (decline_swap, "Swap declined"),
    "approve": (approve_swap, "Swap approved"),
}


@router.post("/swaps/{swap_id}/{decision}", response_class=HTMLResponse)
def swap_decision_form(
    action: ActionDep,
    swap_id: RowId,
    decision: Literal["accept", "decline", "approve"],
    csrf: Csrf = "",
    etag: Text = "",
    reason: Text = "",
) -> Response:
    decide, title = DECISIONS[decision]

    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        answer = decide(
            action.session,
            action.team,
            swap_id,
            principal,
            now,
            if_match=etag or None,
            reason=reason,
        )
        return _changes(title, answer)

    return action.run(csrf, "swap", {}, change)


@router.post("/generate", response_class=HTMLResponse)
def generate_form(
    action: ActionDep, csrf: Csrf = "", reason: Text = "", mode: Text = "regenerate"
) -> Response:
    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        body = GenerateRequest(reason=reason, regenerate=mode != "repair")
        answer = generate(
            action.team, action.session, action.clock, action.settings, principal, body
        )
        return {"title": "Plan regenerated", "generated": answer, "changed": []}

    return action.run(csrf, "generate", {"reason": reason}, change)


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe_form(action: ActionDep, csrf: Csrf = "", scope: Text = "team") -> Response:
    """Hand out a feed token, as `POST /v1/feed-tokens` does, and show its addresses once."""

    def change(principal: Principal, now: datetime) -> dict[str, Any]:
        if scope == "member":
            body = FeedTokenCreate(scope=FeedKind.MEMBER, member=principal.member, team=action.team)
        else:
            body = FeedTokenCreate(scope=FeedKind.TEAM, team=action.team)
        created = create_feed_token(body, action.session, action.clock, action.settings, principal)
        return {"title": "Subscribe link created", "feed": created, "changed": []}

    return action.run(csrf, "subscribe", {}, change)
