"""Running the statements of the hottest reads (who is on support, a feed's 304, a token)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Executable, Row
from sqlmodel import Session


def first_row(
    session: Session, statement: Executable, params: Mapping[str, Any]
) -> Row[Any] | None:
    """The first row of a statement built once, run on the session's connection (in its
    transaction). Core execution skips the ORM's per-call state, which costs about as much as
    the statement itself on SQLite; the statement names columns, never mapped entities."""
    return session.connection().execute(statement, params).first()
