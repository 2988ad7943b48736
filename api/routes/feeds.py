"""Calendar feeds (SPEC section 5): the three feeds, read with a feed token, and the tokens.

A feed answers a strong ETag and Last-Modified, and 304 to an `If-None-Match` that matches (or,
without one, to an `If-Modified-Since` not older than the feed); gzipped to clients that accept
it; HEAD like GET without the body (`api.http_headers`). A missing, wrong or revoked token, or
one for another feed, is the same 404, naming nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from sqlmodel import Session

from api import repositories
from api.auth import Reader, app_settings
from api.clock import Clock, get_clock
from api.concurrency import lock_teams
from api.feeds import copies, service
from api.feeds.copies import Copies, Copy
from api.feeds.events import FeedKind, FeedScope
from api.feeds.tokens import feed_urls, may_manage_feed
from api.http_headers import GZIP_SUFFIX, accepts_gzip, http_date, not_modified_since
from api.principals import Principal
from api.repositories import feeds as store
from api.repositories.feeds import FeedToken
from api.routes.deps import ClockDep, RowId, SessionDep, SettingsDep
from api.schemas import InstantOrDate
from api.schemas.feeds import FeedTokenCreate, FeedTokenCreated, FeedTokenPublic
from api.settings import Settings
from rotation.periods import local_day_start

router = APIRouter(prefix="/v1", tags=["calendar feeds"])

Token = Annotated[
    str | None, Query(max_length=200, description="The feed token from POST /v1/feed-tokens")
]
Since = Annotated[
    InstantOrDate | None,
    Query(description="Instant with offset, or a date (default: 30 days ago)"),
]
Until = Annotated[
    InstantOrDate | None, Query(description="Instant or date (default: 180 days ahead)")
]

CALENDAR = "text/calendar; charset=utf-8"
NO_FEED = "no calendar feed at this address"


def copies_of(request: Request) -> Copies:
    """The app's rendered feeds by tag (set up by `api.app.create_app`)."""
    found: Copies = request.app.state.feed_copies
    return found


_ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "The feed (RFC 5545)"}
}
#: The validators a client sends back. `feed_request` reads them from the headers as they came
#: (a declared parameter costs every poll FastAPI's parsing), so they are documented here.
_CONDITIONAL: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": description,
        }
        for name, description in (
            ("If-None-Match", "The ETag of the copy the client holds: 304 when it is current"),
            ("If-Modified-Since", "Without If-None-Match: 304 when the feed is not newer"),
        )
    ]
}


@dataclass(frozen=True)
class FeedRequest:
    """What every feed route reads: the token, the window and the validators the client sent."""

    session: Session
    clock: Clock
    settings: Settings
    copies: Copies
    token: str | None
    since: InstantOrDate | None
    until: InstantOrDate | None
    if_none_match: str | None
    if_modified_since: str | None
    accept_encoding: str | None

    def answer(self, scope: FeedScope) -> Response:
        """The feed, or 304 when the client's copy is current: decided from the revisions of
        its teams, before anything is built (`api.feeds.copies`)."""
        now = self.clock.now()
        found, zone, revisions = self._validators(scope, now)
        start, end = service.feed_window(self.since, self.until, zone, now)
        if revisions is None:
            revisions = copies.scope_revisions(self.session, scope, start, end)
        day = now.astimezone(zone).date()
        tag = copies.feed_tag(
            scope, revisions, (start, end), day, self.settings.public_url, found.created_at
        )
        gzipped = accepts_gzip(self.accept_encoding)
        headers = {
            "ETag": _representation(tag, gzipped),
            # The URL holds a secret: no shared cache; clients revalidate with the ETag.
            "Cache-Control": "private, no-cache",
            "Vary": "Accept-Encoding",
        }
        copy = self.copies.get(tag)
        if self.if_none_match is not None and _matches(self.if_none_match, tag):
            if copy is not None:
                headers["Last-Modified"] = http_date(min(copy.last_modified, now))
            return Response(status_code=304, headers=headers)
        if copy is None:
            feed = service.build_feed(
                self.session,
                scope,
                start,
                end,
                now,
                self.settings.public_url,
                found.created_at,
                as_of=local_day_start(day, zone),
            )
            copy = Copy.of(feed)
            self.copies.put(tag, copy)
        modified = min(copy.last_modified, now)
        headers["Last-Modified"] = http_date(modified)
        if self.if_none_match is None and not_modified_since(self.if_modified_since, modified):
            return Response(status_code=304, headers=headers)
        if gzipped:
            headers["Content-Encoding"] = "gzip"
            return Response(copy.gzipped, media_type=CALENDAR, headers=headers)
        return Response(copy.body, media_type=CALENDAR, headers=headers)

    def _validators(
        self, scope: FeedScope, now: datetime
    ) -> tuple[FeedToken, ZoneInfo, dict[str, str] | None]:
        """The feed's live token, its zone, and for a team feed its team's revision (None: read
        them over the feed's window); 404 unless the token is live and of this feed."""
        if scope.kind is FeedKind.TEAM and self.token:
            # The most polled feed: its token, its team's zone and revision in one statement.
            read = store.team_feed_read(self.session, self.token)
            if read is None or read.token.scope != scope:
                raise HTTPException(404, NO_FEED)
            return read.token, ZoneInfo(read.timezone), {scope.team or "": read.revision}
        found = store.find_token(self.session, self.token) if self.token else None
        if found is None or found.scope != scope:
            raise HTTPException(404, NO_FEED)
        return found, service.zone_of(self.session, scope), None


async def feed_request(
    request: Request,
    session: SessionDep,
    token: Token = None,
    since: Since = None,
    until: Until = None,
) -> FeedRequest:
    # Async: it only gathers the request (the route reads), and a plain `def` would cost every
    # feed poll a hop to a worker thread of its own. The clock, settings and copies come straight
    # from the app: a dependency each would cost a poll answered 304 more than their work. The
    # HTTP headers are read as they came: each declared parameter costs FastAPI's parsing.
    headers = request.headers
    return FeedRequest(
        session,
        get_clock(request),
        app_settings(request),
        copies_of(request),
        token,
        since,
        until,
        headers.get("if-none-match"),
        headers.get("if-modified-since"),
        headers.get("accept-encoding"),
    )


FeedAsked = Annotated[FeedRequest, Depends(feed_request)]


@router.get(
    "/teams/{team}/calendar.ics",
    response_class=Response,
    responses=_ICS,
    openapi_extra=_CONDITIONAL,
)
def team_calendar(team: str, asked: FeedAsked) -> Response:
    """A team's feed: both slots, uncovered stretches included."""
    return asked.answer(FeedScope(FeedKind.TEAM, team=team))


@router.get(
    "/members/{member}/calendar.ics",
    response_class=Response,
    responses=_ICS,
    openapi_extra=_CONDITIONAL,
)
def member_calendar(member: str, asked: FeedAsked) -> Response:
    """A person's feed: their own turns in every team, with their partners."""
    return asked.answer(FeedScope(FeedKind.MEMBER, member=member))


@router.get("/calendar.ics", response_class=Response, responses=_ICS, openapi_extra=_CONDITIONAL)
def all_calendar(asked: FeedAsked) -> Response:
    """Every team's feed in one."""
    return asked.answer(FeedScope(FeedKind.ALL))


def _representation(tag: str, gzipped: bool) -> str:
    # Each representation has its own strong tag (RFC 9110 8.8.3); both name the same feed.
    return tag[:-1] + GZIP_SUFFIX + '"' if gzipped else tag


def _matches(if_none_match: str, tag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110 13.1.2): a W/ prefix does not matter, nor which
    # encoding of the feed the client holds.
    tags = [
        t.strip().removeprefix("W/").replace(GZIP_SUFFIX + '"', '"')
        for t in if_none_match.split(",")
    ]
    return "*" in tags or tag in tags


# Tokens


@router.post("/feed-tokens", response_model=FeedTokenCreated, status_code=201)
def create_feed_token(
    body: FeedTokenCreate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: Reader,
) -> FeedTokenCreated:
    """A token for one feed. Its secret is in this answer only."""
    scope, member_teams = service.resolve_scope(session, body.to_scope(), body.team)
    if not may_manage_feed(principal, scope, member_teams):
        raise HTTPException(403, "this token may not hand out this feed")
    # Like any write to a team: a team deleted meanwhile is a 404, not a broken reference.
    lock_teams(session, [*([scope.team] if scope.team else []), *member_teams])
    now = clock.now()
    token, secret = service.issue_token(session, scope, principal.name, now)
    session.commit()
    url, webcal_url = feed_urls(settings.public_url, scope, secret)
    return FeedTokenCreated(
        id=token.id,
        token=secret,
        url=url,
        webcal_url=webcal_url,
        scope=scope.kind,
        team=scope.team,
        member=scope.member,
    )


@router.get("/feed-tokens", response_model=list[FeedTokenPublic])
def list_feed_tokens(session: SessionDep, principal: Reader) -> list[FeedTokenPublic]:
    """The live feed tokens this token may manage, without their secrets."""
    return [
        FeedTokenPublic.of(token)
        for token in store.list_tokens(session)
        if _may_manage(session, principal, token.scope)
    ]


@router.delete("/feed-tokens/{token_id}", status_code=204)
def revoke_feed_token(
    token_id: RowId, session: SessionDep, clock: ClockDep, principal: Reader
) -> Response:
    """Revoke a feed token: its feed answers 404 from now on."""
    token = store.get_token(session, token_id)
    if token is None:
        raise HTTPException(404, f"no live feed token {token_id}")
    if not _may_manage(session, principal, token.scope):
        raise HTTPException(403, "this token may not revoke this feed token")
    service.withdraw_token(session, token, principal.name, clock.now())
    session.commit()
    return Response(status_code=204)


def _may_manage(session: Session, principal: Principal, scope: FeedScope) -> bool:
    member_teams = repositories.teams_of(session, scope.member) if scope.member else []
    return may_manage_feed(principal, scope, member_teams)
