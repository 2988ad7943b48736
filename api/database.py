"""Engines, sessions and schema upgrades.

Every entry point (each CLI command, the app's startup) calls `open_database`, which upgrades the
schema through the alembic migrations in `api/migrations`, so a fresh database needs no set-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from anyio import to_thread
from fastapi import Request
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: replicas starting together take turns upgrading the schema.
_MIGRATION_LOCK = 72_010_001


#: Connections beyond the threads that answer requests: the background jobs' (plan extension,
#: reminders, Slack), each on a thread of its own.
BACKGROUND_CONNECTIONS = 4


def make_engine(url: str, threads: int | None = None) -> Engine:
    """Return an engine for `url`; plain `postgresql://` URLs use the psycopg 3 driver. With
    `threads` (the process's request threads and reminder senders), the pool holds a connection
    for each and for the background jobs, so no thread waits for a connection."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    pool: dict[str, Any] = {}
    if threads is not None and not _in_memory(parsed.database):
        pool = {"pool_size": threads + BACKGROUND_CONNECTIONS, "max_overflow": 0}
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **pool)


def _in_memory(name: str | None) -> bool:
    return not name or name == ":memory:" or "mode=memory" in name


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            connection.commit()
        if connection.dialect.name == "sqlite":
            # SQLite alters a table by copying it, dropping the old one and renaming the copy:
            # with foreign keys enforced, dropping `team` would cascade into every row that
            # refers to it. Off for the migration (SQLite ignores this inside a transaction, so
            # before it), then checked and back on.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK}
                )
                connection.commit()
            if connection.dialect.name == "sqlite":
                _check_foreign_keys(connection)
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")


def missing_sqlite_file(url: str) -> Path | None:
    """The absolute path of the SQLite file `url` names when that file does not exist; None for
    any other database (a server, an in-memory SQLite, an existing file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database
    if not name or name == ":memory:" or parsed.query.get("mode") == "memory":
        return None
    if name.startswith("file:"):  # a URI filename (`?uri=true`)
        name = name.removeprefix("file:")
    path = Path(name).absolute()
    return None if path.exists() else path


def open_database(url: str, threads: int | None = None) -> Engine:
    """Return an engine for `url` (see `make_engine`) with its schema upgraded."""
    engine = make_engine(url, threads)
    upgrade(engine)
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: one session per request on the app's engine. Opening one touches no
    connection, so it happens on the event loop; closing one that holds a connection hands it
    back to the pool (a rollback on the wire), so that happens on a worker thread. A session
    that holds none (the hot reads hand theirs back at once: `repositories.statements`) is
    closed on the loop: a hop to a thread costs more than the rest of a 304."""
    session = Session(request.app.state.engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            await to_thread.run_sync(session.close)
        else:
            session.close()
