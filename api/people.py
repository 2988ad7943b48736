"""People as readers of a schedule see them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """Contact details of anyone who holds or held a slot, current member or not."""

    id: str
    name: str
    email: str
    chat: str | None = None
    timezone: str | None = None
