"""Members of a team: as shown, created and changed."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.adjustments import ChangePublic
from api.schemas.common import (
    CalendarDate,
    Chat,
    Email,
    Name,
    Reason,
    Slug,
    Strict,
    Text,
    Weight,
    Zone,
)
from rotation import Member, Role
from rotation.errors import InvalidMember
from rotation.periods import parse_timezone


class MemberPublic(BaseModel):
    id: str
    name: str
    email: str
    roles: list[Role]
    weight: float
    joined: date | None
    left: date | None
    chat: str | None
    timezone: str | None

    @classmethod
    def of(cls, member: Member) -> MemberPublic:
        return cls(
            id=member.id,
            name=member.name,
            email=member.email,
            roles=sorted(member.roles),
            weight=member.weight,
            joined=member.joined,
            left=member.left,
            chat=member.chat,
            timezone=member.timezone,
        )


class MemberUpdate(Strict):
    name: Name | None = None
    email: Email | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    weight: Weight | None = None
    joined: CalendarDate | None = None
    left: CalendarDate | None = None
    chat: Chat | None = None
    timezone: Zone | None = None
    reason: Text = Reason

    def apply(self, member: Member) -> Member:
        fields = self.model_fields_set
        updated = Member(
            id=member.id,
            name=self.name or member.name,
            email=self.email or member.email,
            roles=frozenset(self.roles) if self.roles else member.roles,
            weight=self.weight if self.weight is not None else member.weight,
            joined=self.joined if "joined" in fields else member.joined,
            left=self.left if "left" in fields else member.left,
            chat=self.chat if "chat" in fields else member.chat,
            timezone=self.timezone if "timezone" in fields else member.timezone,
        )
        return checked_member(updated)


class MemberCreate(Strict):
    id: Slug = Field(examples=["alice"])
    name: Name
    email: Email
    roles: list[Role] = Field(min_length=1)
    weight: Weight = 1.0
    joined: CalendarDate | None = None
    left: CalendarDate | None = None
    chat: Chat | None = None
    timezone: Zone | None = None
    reason: Text = Reason

    def to_member(self) -> Member:
        member = Member(
            self.id,
            self.name,
            self.email,
            frozenset(self.roles),
            self.weight,
            self.joined,
            self.left,
            self.chat,
            self.timezone,
        )
        return checked_member(member)


class MemberChanged(MemberPublic):
    """A member as written (as it was, for a removal), and the assignments that moved."""

    changed: list[ChangePublic] = Field(description="Assignments refilled or moved, in the team.")


def checked_member(member: Member) -> Member:
    """Raise `InvalidMember` for rules a single field cannot express."""
    if member.joined and member.left and member.left < member.joined:
        raise InvalidMember(member.id, "left", f"{member.left} is before joined {member.joined}")
    if member.timezone:
        parse_timezone(member.timezone)
    return member
