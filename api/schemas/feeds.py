"""API schemas of feed tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.feeds.events import FeedKind, FeedScope
from api.feeds.tokens import feed_path
from api.repositories.feeds import FeedToken
from api.schemas import Slug, Strict
from rotation import InvalidFeedScope

__all__ = ["FeedTokenCreate", "FeedTokenCreated", "FeedTokenPublic"]


class FeedTokenCreate(Strict):
    scope: FeedKind = Field(description="team, member or all")
    team: Slug | None = Field(
        default=None,
        description="The team of a team feed. For a member feed, optional: one of the "
        "member's teams (a lead names the team they lead).",
    )
    member: Slug | None = Field(default=None, description="The member of a member feed.")

    def to_scope(self) -> FeedScope:
        """The feed asked for; `InvalidFeedScope` names a field that does not fit the scope."""
        if self.scope is FeedKind.TEAM:
            if self.team is None:
                raise InvalidFeedScope("team", "a team feed needs its team")
            if self.member is not None:
                raise InvalidFeedScope("member", "a team feed has no member")
            return FeedScope(FeedKind.TEAM, team=self.team)
        if self.scope is FeedKind.MEMBER:
            if self.member is None:
                raise InvalidFeedScope("member", "a member feed needs its member")
            return FeedScope(FeedKind.MEMBER, member=self.member)
        for field in ("team", "member"):
            if getattr(self, field) is not None:
                raise InvalidFeedScope(field, "the all-teams feed has no team or member")
        return FeedScope(FeedKind.ALL)


class FeedTokenPublic(BaseModel):
    id: int
    scope: FeedKind
    team: str | None
    member: str | None
    feed: str = Field(description="The feed's path; its token is never shown again.")
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, token: FeedToken) -> FeedTokenPublic:
        return cls(
            id=token.id,
            scope=token.scope.kind,
            team=token.scope.team,
            member=token.scope.member,
            feed=feed_path(token.scope),
            created_by=token.created_by,
            created_at=token.created_at,
        )


class FeedTokenCreated(BaseModel):
    id: int
    token: str = Field(description="The secret: shown this once, stored only as a hash.")
    url: str = Field(description="The feed's address, token included.")
    webcal_url: str = Field(description="The same with the webcal:// scheme.")
    scope: FeedKind
    team: str | None
    member: str | None
