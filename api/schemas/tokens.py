"""API tokens as admins manage them: never their secret, but once, when created."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.principals import TokenRole
from api.schemas.common import Name, Slug, Strict
from api.tables import ApiTokenRow


class TokenCreate(Strict):
    name: Name = Field(description="Who or what uses it; shown in the audit log.")
    role: TokenRole
    teams: list[Slug] = Field(
        default_factory=list, max_length=100, description="The teams a lead token leads."
    )
    member: Slug | None = Field(None, description="The person a member token acts as.")
    expires_at: AwareDatetime | None = Field(
        None, description="When the token stops working (default: never)."
    )


class TokenPublic(BaseModel):
    id: int
    name: str
    role: TokenRole
    teams: list[str]
    member: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: Literal["live", "expired", "revoked"]

    @classmethod
    def of(cls, row: ApiTokenRow, now: datetime) -> TokenPublic:
        assert row.id is not None
        status: Literal["live", "expired", "revoked"] = "live"
        if row.revoked_at is not None:
            status = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            status = "expired"
        return cls(
            id=row.id,
            name=row.name,
            role=TokenRole(row.role),
            teams=list(row.teams),
            member=row.member,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            status=status,
        )


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret: shown in this answer only.")
