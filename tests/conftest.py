"""Shared fixtures. Every test that takes `database_url` runs once on SQLite and once on
PostgreSQL; the PostgreSQL runs use a database of their own, created for this test session.

ROTA_TEST_POSTGRES_URL names the server (default: postgres on 127.0.0.1:5432, trust auth). When
no PostgreSQL answers at all, those runs are skipped, and the summary says so in capitals.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from api.app import create_app
from api.clock import FixedClock
from api.database import open_database
from api.loader import load_team_files
from api.principals import TokenRole
from api.repositories.tokens import create_token
from api.settings import Settings

SAMPLES = sorted(Path(__file__).parent.parent.joinpath("samples").glob("*.toml"))
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
# One solver thread, limited in deterministic time: the same plans on every run and machine,
# and a suite that does not spend the service's default budget on every sample load. The CLI
# tests read the same through the environment.
TEST_SOLVER = {"solver_seconds": 1.0, "solver_workers": 1}
os.environ.setdefault("ROTA_SOLVER_SECONDS", "1")
os.environ.setdefault("ROTA_SOLVER_WORKERS", "1")
# No background reminder loop in the test apps: reminder tests drive passes with the clock.
os.environ.setdefault("ROTA_REMINDERS_ENABLED", "false")
POSTGRES_URL = os.environ.get(
    "ROTA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
_postgres_skipped: list[str] = []


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this session, dropped at the end."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"rota_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        reason = f"NO POSTGRESQL REACHABLE at {POSTGRES_URL}: {str(exc).splitlines()[0]}"
        _postgres_skipped.append(reason)
        admin.dispose()
        pytest.skip(reason)
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    open_database(url).dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Migrated SQLite files, `empty` and with the `samples` loaded as of NOW, which each test
    copies (milliseconds) instead of migrating and loading (a second or more)."""
    folder = tmp_path_factory.mktemp("templates")
    empty, loaded = folder / "empty.db", folder / "samples.db"
    open_database(f"sqlite:///{empty}").dispose()
    shutil.copyfile(empty, loaded)
    engine = open_database(f"sqlite:///{loaded}")
    with Session(engine) as session:
        load_team_files(session, SAMPLES, NOW, Settings(**TEST_SOLVER).budget)
    engine.dispose()  # the last connection closed: the WAL is folded into the file
    return {"empty": empty, "samples": loaded}


#: SQLite databases copied with the samples already loaded (the `samples` fixture skips them).
_preloaded: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each backend; on SQLite, for a test that asks for the
    `samples`, a copy with them loaded."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rota.db'}"
        preload = "samples" in request.fixturenames
        templates = request.getfixturevalue("sqlite_templates")
        shutil.copyfile(templates["samples" if preload else "empty"], tmp_path / "rota.db")
        if preload:
            _preloaded.add(url)
        return url
    url: str = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # A session secret as a deployment has one: tests that move `public_url` off this machine
    # and start the app again must not be refused for want of it.
    return Settings(
        database_url=database_url, session_secret="test-session-secret-" * 2, **TEST_SOLVER
    )


@pytest.fixture
def app_and_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock)) as client:
        yield client


@pytest.fixture
def client(app_and_client: TestClient) -> TestClient:
    return app_and_client


@pytest.fixture
def replica(settings: Settings, clock: FixedClock, client: TestClient) -> Iterator[TestClient]:
    """A second app on the same database, with its own engine and caches: another replica."""
    with TestClient(create_app(settings, clock)) as other:
        yield other


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def session(client: TestClient) -> Iterator[Session]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        yield session


@pytest.fixture
def samples(client: TestClient, session: Session, settings: Settings) -> None:
    """The sample teams, loaded as of NOW (on SQLite, in the copy the database started as)."""
    if settings.database_url in _preloaded:
        return
    load_team_files(session, SAMPLES, NOW, Settings(**TEST_SOLVER).budget)


def bearer(
    session: Session, role: TokenRole, teams: list[str] | None = None, member: str | None = None
) -> dict[str, str]:
    name = f"test-{member}" if member else f"test-{role}"
    _, secret = create_token(session, name, role, teams or [], NOW, member)
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def token_for(session: Session) -> TokenFactory:
    """Make an Authorization header for a new token: `token_for(TokenRole.LEAD, ["payments"])`,
    `token_for(TokenRole.MEMBER, member="alice")`."""

    def make(
        role: TokenRole, teams: list[str] | None = None, member: str | None = None
    ) -> dict[str, str]:
        return bearer(session, role, teams, member)

    return make


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    return bearer(session, TokenRole.ADMIN)


@pytest.fixture
def viewer(session: Session) -> dict[str, str]:
    return bearer(session, TokenRole.VIEWER)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`rota serve` and `rota worker` configure the process's logging: undo it after a test
    that ran one in-process, so later CLI output is not mixed with log lines."""
    names = ["", "rota", "rota.reminders", "uvicorn", "uvicorn.error", "uvicorn.access"]
    names += ["alembic", "apscheduler"]
    saved = {}
    for name in names:
        logger = logging.getLogger(name)
        saved[name] = (list(logger.handlers), logger.level, logger.propagate, logger.disabled)
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


class _FlushProgress:
    """Piped (CI, `| tee`), pytest's progress waits in a block buffer until the run ends and
    looks hung: flush it after every test."""

    def __init__(self, reporter: pytest.TerminalReporter) -> None:
        self.reporter = reporter

    def pytest_runtest_logfinish(self) -> None:
        self.reporter.flush()


def pytest_configure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        config.pluginmanager.register(_FlushProgress(reporter), "rota-flush-progress")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Under pytest-xdist the skips happen in the workers: read them off their reports too.
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        if isinstance(longrepr, tuple) and "NO POSTGRESQL REACHABLE" in str(longrepr[-1]):
            _postgres_skipped.append(str(longrepr[-1]).removeprefix("Skipped: "))
    for reason in dict.fromkeys(_postgres_skipped):
        terminalreporter.section("POSTGRESQL TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.line(reason, red=True, bold=True)
