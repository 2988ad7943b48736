"""The storage contract, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from api.database import make_engine, open_database
from api.tables import TeamRow


def test_migrations_build_exactly_the_tables_the_code_declares(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    open_database(database_url).dispose()
    open_database(database_url).dispose()


def test_instants_come_back_aware_in_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    berlin_noon = datetime(2027, 3, 28, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with Session(engine) as session:
        session.add(
            TeamRow(
                id="t",
                name="T",
                timezone="Europe/Berlin",
                period="1w",
                handoff="09:00",
                start=date(2027, 1, 4),
                created_at=berlin_noon,
                updated_at=berlin_noon,
            )
        )
        session.commit()
    with Session(engine) as session:
        row = session.exec(select(TeamRow)).one()
        assert row.created_at == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)
        assert row.created_at.utcoffset() == timedelta(0)
    engine.dispose()


def test_a_naive_instant_is_never_stored(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(
            TeamRow(
                id="t",
                name="T",
                timezone="UTC",
                period="1d",
                handoff="09:00",
                start=date(2027, 1, 4),
                created_at=datetime(2027, 1, 1),
                updated_at=datetime(2027, 1, 1, tzinfo=UTC),
            )
        )
        with pytest.raises(Exception, match="naive"):
            session.commit()
    engine.dispose()
