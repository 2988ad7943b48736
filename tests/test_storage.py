"""The storage contract, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

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


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path: Path) -> None:
    """Regression: SQLite alters a table by copying it and dropping the old one; with foreign
    keys enforced, dropping `team` cascaded into every member, time off and assignment."""
    from alembic import command

    from api.database import alembic_config, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        command.upgrade(alembic_config(connection), "0003")
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.exec_driver_sql(
            "INSERT INTO team (id, name, timezone, period, handoff, start, frozen_periods, notify,"
            " created_at, updated_at) VALUES ('core', 'Core', 'Europe/Berlin', '1w',"
            " 'monday 09:00', '2027-01-04', 2, '{}', '2026-11-26 12:00:00',"
            " '2026-11-26 12:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO person (id, name, email) VALUES ('alice', 'Alice', 'alice@example.com')"
        )
        connection.exec_driver_sql(
            "INSERT INTO member (team_id, person_id, roles, weight) VALUES"
            " ('core', 'alice', 'developer', 1.0)"
        )
        connection.exec_driver_sql(
            'INSERT INTO time_off (person_id, team_id, start, "end", reason, source,'
            " created_at) VALUES ('alice', 'core', '2027-02-01 00:00:00', '2027-02-02 00:00:00',"
            " '', 'api', '2026-11-26 12:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO assignment (team_id, role, period_index, period_start, period_end,"
            " person_id, updated_at) VALUES ('core', 'developer', 0, '2027-01-04 08:00:00',"
            " '2027-01-11 08:00:00', 'alice', '2026-11-26 12:00:00')"
        )
        connection.commit()
    upgrade(engine)
    with engine.connect() as connection:
        counts = {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("team", "member", "time_off", "assignment")
        }
        enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    engine.dispose()
    assert counts == {"team": 1, "member": 1, "time_off": 1, "assignment": 1}
    assert enforced == 1
