"""API tokens as admins manage them: never their secret, but once, when created."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from api.principals import TokenRole
from api.schemas.common import Instant, Name, Slug, Strict
from api.tables import ApiTokenRow


class _TokenRequest(Strict):
    name: Name = Field(description="Who or what uses it; shown in the audit log.")
    expires_at: Instant | None = Field(
        None, description="When the token stops working (default: never)."
    )

    @property
    def team_ids(self) -> list[str]:
        return []

    @property
    def member_id(self) -> str | None:
        return None


class ReaderOrAdminTokenCreate(_TokenRequest):
    role: Literal[TokenRole.VIEWER, TokenRole.ADMIN]


class LeadTokenCreate(_TokenRequest):
    role: Literal[TokenRole.LEAD]
    teams: list[Slug] = Field(
        min_length=1,
        max_length=100,
        description="The teams it leads.",
        json_schema_extra={"uniqueItems": True},
    )

    @property
    def team_ids(self) -> list[str]:
        return sorted(set(self.teams))


class MemberTokenCreate(_TokenRequest):
    role: Literal[TokenRole.MEMBER]
    member: Slug = Field(description="The person it acts as.")

    @property
    def member_id(self) -> str | None:
        return self.member


#: A new token: its role says what else it names (a lead's teams, a member's person).
TokenCreate = Annotated[
    ReaderOrAdminTokenCreate | LeadTokenCreate | MemberTokenCreate, Field(discriminator="role")
]
TOKEN_CREATE: TypeAdapter[ReaderOrAdminTokenCreate | LeadTokenCreate | MemberTokenCreate] = (
    TypeAdapter(TokenCreate)
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
