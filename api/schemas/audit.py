"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.tables import AuditRow


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description='A token\'s name, "team-file" or "cli".')
    action: str = Field(examples=["team.update"])
    team: str | None
    before: dict[str, Any] | None = Field(description="The resource before; null for a create.")
    after: dict[str, Any] | None = Field(description="The resource after; null for a delete.")
    reason: str

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntryPublic:
        assert row.id is not None
        return cls(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            team=row.team_id,
            before=row.before,
            after=row.after,
            reason=row.reason,
        )


class AuditPagePublic(BaseModel):
    entries: list[AuditEntryPublic] = Field(description="Newest first.")
    next: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )
