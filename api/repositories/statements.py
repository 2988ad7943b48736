"""Running the statements of the hottest reads (who is on support, a feed's 304, a token)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Executable, Row
from sqlmodel import Session


def first_row(
    session: Session, statement: Executable, params: Mapping[str, Any]
) -> Row[Any] | None:
    """The first row of a statement built once. Core execution skips the ORM's per-call state,
    which costs about as much as the statement itself on SQLite; the statement names columns,
    never mapped entities.

    In a session that holds a transaction the statement runs in it. In a fresh one it runs on a
    connection handed back to the pool at once, on the same worker thread: a request that needs
    nothing more (a 304, a kept answer) leaves its session holding no connection, so closing it
    needs no second hop to a worker thread (`api.database.get_session`).

    On PostgreSQL that connection runs in autocommit: one statement needs no transaction, so
    handing it back costs no ROLLBACK round trip, and psycopg keeps the statement prepared
    (a ROLLBACK makes it forget what it prepared). SQLite's driver opens no transaction for a
    read, so there it would only cost a PRAGMA to undo."""
    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        return session.connection().execute(statement, params).first()
    with bind.connect() as connection:
        if bind.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.execute(statement, params).first()
