"""Databases with the samples loaded, copied for each test: loading the samples costs seconds,
copying a loaded database milliseconds (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL). For the test modules that send many requests, each to a database of its own."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.database import open_database
from api.loader import load_team_files
from api.principals import TokenRole
from api.repositories.tokens import create_token
from api.settings import Settings
from tests.conftest import NOW, SAMPLES, TEST_SOLVER


@dataclass
class Template:
    """An admin token's `secret`, valid in every copy, and a way to make a `fresh_url` copy."""

    secret: str
    fresh_url: Callable[[], str]


def _fill(url: str, token_name: str) -> str:
    """Migrate `url`, load the samples into it and store an admin token; return its secret."""
    engine = open_database(url)
    with Session(engine) as session:
        load_team_files(session, SAMPLES, NOW, Settings(**TEST_SOLVER).budget)
        _, secret = create_token(session, token_name, TokenRole.ADMIN, [], NOW)
        session.commit()
    engine.dispose()
    return secret


def sqlite_template(folder: Path, token_name: str) -> Template:
    template = folder / "template.db"
    secret = _fill(f"sqlite:///{template}", token_name)

    def fresh_url() -> str:
        copy = folder / f"{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, copy)
        return f"sqlite:///{copy}"

    return Template(secret, fresh_url)


@contextmanager
def postgres_template(postgres_database: str, suffix: str, token_name: str) -> Iterator[Template]:
    """A template database next to `postgres_database`; every copy is dropped at the end."""
    base = make_url(postgres_database)
    name = f"{base.database}_{suffix}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    secret = _fill(base.set(database=name).render_as_string(hide_password=False), token_name)
    copies = [name]

    def fresh_url() -> str:
        copy = f"{name}_{uuid.uuid4().hex[:8]}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
        copies.append(copy)
        return base.set(database=copy).render_as_string(hide_password=False)

    try:
        yield Template(secret, fresh_url)
    finally:
        with server.connect() as connection:
            for copy in reversed(copies):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        server.dispose()
