"""Feed tokens: which feed a token reads, who may hand one out, and the addresses it opens.

A feed token reads one feed and nothing else, and is a secret in a URL that calendar clients
keep for years: so handing one out follows write permission, not read permission.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import quote, urlsplit, urlunsplit

from api.feeds.events import FeedKind, FeedScope
from api.principals import Principal, TokenRole

__all__ = ["feed_path", "feed_urls", "may_manage_feed"]


def may_manage_feed(principal: Principal, scope: FeedScope, member_teams: Collection[str]) -> bool:
    """Whether `principal` may create, list and revoke tokens of feed `scope`; `member_teams`
    are the teams of the member of a member feed.

    - an admin: any feed;
    - a lead: the feeds of the teams they lead, and the member feed of anyone on those teams;
    - a member: the token of their own member feed (SPEC section 5);
    - a viewer: none. A viewer reads schedules, but minting a long-lived secret that others
      can use is a write; a lead or an admin hands feeds out.
    The all-teams feed is an admin's to hand out.
    """
    if principal.role is TokenRole.ADMIN:
        return True
    if principal.role is TokenRole.MEMBER:
        return scope.kind is FeedKind.MEMBER and scope.member == principal.member
    if principal.role is TokenRole.LEAD:
        if scope.kind is FeedKind.TEAM:
            return scope.team in principal.teams
        if scope.kind is FeedKind.MEMBER:
            return any(team in principal.teams for team in member_teams)
    return False


def feed_path(scope: FeedScope) -> str:
    """The path of the feed, without its token."""
    if scope.kind is FeedKind.TEAM:
        return f"/v1/teams/{scope.team}/calendar.ics"
    if scope.kind is FeedKind.MEMBER:
        return f"/v1/members/{scope.member}/calendar.ics"
    return "/v1/calendar.ics"


def feed_urls(public_url: str, scope: FeedScope, secret: str) -> tuple[str, str]:
    """The feed's address under `public_url` (its scheme as configured) and the same with the
    scheme `webcal`, which makes a browser hand it to the calendar app."""
    base = public_url.rstrip("/")
    url = f"{base}{feed_path(scope)}?token={quote(secret, safe='')}"
    parts = urlsplit(url)
    return url, urlunsplit(("webcal", *parts[1:]))
