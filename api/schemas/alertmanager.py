"""Prometheus Alertmanager's webhook payload (version 4), as Alertmanager sends it.

Each alert counts once, as a page at its `startsAt`, for the holders of the team's slots then:
the key `alertmanager:<fingerprint>:<startsAt>` makes the same alert delivered again (a repeat,
its resolution, a second replica of Alertmanager) a duplicate. The label `rota_role`
(developer or operator) narrows it to one slot; `rota_kind` (page, incident, escalation) sets
its kind; `rota_weight` its weight in hours (default 1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rotation import Role
from rotation.carried import InterruptKind


class Alert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: AwareDatetime
    endsAt: AwareDatetime | None = None
    fingerprint: str = Field(min_length=1, max_length=64)

    def key(self) -> str:
        return f"alertmanager:{self.fingerprint}:{self.startsAt.astimezone(UTC).isoformat()}"

    def role(self) -> Role | None:
        value = self.labels.get("rota_role")
        return Role(value) if value in {r.value for r in Role} else None

    def kind(self) -> InterruptKind:
        value = self.labels.get("rota_kind", "page")
        known = {k.value for k in InterruptKind}
        return InterruptKind(value) if value in known else InterruptKind.PAGE

    def weight(self) -> float:
        try:
            value = float(self.labels.get("rota_weight", "1"))
        except ValueError:
            return 1.0
        return value if 0 < value <= 1000 else 1.0

    def note(self) -> str:
        name = self.labels.get("alertname", "alert")
        summary = self.annotations.get("summary", "")
        return f"{name}: {summary}"[:500] if summary else name[:500]

    def at(self) -> datetime:
        return self.startsAt.astimezone(UTC)


class AlertmanagerPayload(BaseModel):
    """The body Alertmanager posts to a `webhook_configs` receiver."""

    model_config = ConfigDict(extra="allow")

    version: str
    status: Literal["firing", "resolved"]
    receiver: str = ""
    alerts: list[Alert] = Field(min_length=1, max_length=1000)


def is_alertmanager(body: Any) -> bool:
    return isinstance(body, dict) and "alerts" in body
