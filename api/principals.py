"""Who is calling: a token's role and what it may do. `viewer` reads, `lead` also writes the teams
it leads, `admin` writes all, and a `member` token acts as one person: it reads, and for that person
alone sets time off (or imports it from a calendar), asks for and answers swaps, sets the handoff
note and reminder channels and lead times, and hands out the token of their own calendar feed.

Tokens are random, shown once, and stored as SHA-256 hashes: a leaked database gives no token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException

TOKEN_PREFIX = "rota_"


class TokenRole(StrEnum):
    VIEWER = "viewer"
    LEAD = "lead"
    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's name, role, the teams a lead leads, the person a member is."""

    name: str
    role: TokenRole
    teams: tuple[str, ...] = ()
    member: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is TokenRole.ADMIN

    def may_write(self, team_id: str) -> bool:
        return self.role is TokenRole.ADMIN or (
            self.role is TokenRole.LEAD and team_id in self.teams
        )

    def may_act_for(self, team_id: str, person_id: str) -> bool:
        """May change what belongs to `person_id` in the team: a writer of the team, or that
        person's own member token."""
        return self.may_write(team_id) or (
            self.role is TokenRole.MEMBER and self.member == person_id
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_may_write(principal: Principal, team_id: str) -> None:
    if not principal.may_write(team_id):
        raise HTTPException(403, "this token may not change this team")


def check_may_act_for_self(principal: Principal) -> None:
    """Before looking anything up for a token that may not write the team: only a member token
    may go on (to act for its own person), so nobody else learns what exists there."""
    if principal.role is not TokenRole.MEMBER:
        raise HTTPException(403, "this token may not change this team")


def check_may_act_for(principal: Principal, team_id: str, person_id: str) -> None:
    if not principal.may_act_for(team_id, person_id):
        raise HTTPException(
            403, "this token may not change this team, nor act for this member of it"
        )
