"""A CLI command that finds no database says where it looked instead of creating an empty one;
the commands meant to create one still do. `rota serve` links to where it listens."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from api.clock import FixedClock
from api.settings import Settings, listening_url
from tests.conftest import NOW, SAMPLES


def rota(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(
        main, list(args), obj={"settings": settings, "clock": FixedClock(NOW)}
    )


@pytest.mark.parametrize("command", [["who"], ["schedule", "payments"], ["reminders"], ["worker"]])
def test_a_missing_sqlite_file_is_an_error_not_an_empty_database(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "elsewhere" / "rota.db"
    result = rota(Settings(database_url=f"sqlite:///{missing}"), *command)
    assert result.exit_code == 1
    assert f"no database at {missing}" in result.output
    assert "ROTA_DATABASE_URL" in result.output
    assert "rota db upgrade" in result.output
    assert not missing.exists()


def test_the_default_relative_database_names_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROTA_DATABASE_URL", raising=False)
    result = rota(Settings(), "who")
    assert result.exit_code == 1
    assert f"no database at {tmp_path / 'rota.db'}" in result.output
    assert "is unset; the default is sqlite:///rota.db" in result.output
    assert f"relative to the working directory {tmp_path}" in result.output
    assert not (tmp_path / "rota.db").exists()


def test_load_and_db_upgrade_create_the_database(tmp_path: Path) -> None:
    for name, args in (("a.db", ["db", "upgrade"]), ("b.db", ["load", str(SAMPLES[0])])):
        path = tmp_path / name
        settings = Settings(database_url=f"sqlite:///{path}", solver_seconds=1, solver_workers=1)
        result = rota(settings, *args)
        assert result.exit_code == 0, result.output
        assert path.exists()
        # ... and then the other commands find it.
        assert rota(settings, "who").exit_code == 0


def test_the_public_url_follows_host_and_port_unless_set() -> None:
    assert Settings().served_at("127.0.0.1", 8100).public_url == "http://127.0.0.1:8100"
    assert Settings().served_at("::1", 8100).public_url == "http://[::1]:8100"
    assert "0.0.0.0" not in Settings().served_at("0.0.0.0", 80).public_url
    chosen = Settings(public_url="https://rota.example.com/")
    assert chosen.served_at("0.0.0.0", 8100).public_url == "https://rota.example.com/"
    assert listening_url("localhost", 9000) == "http://localhost:9000"


def test_the_public_url_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROTA_PUBLIC_URL", "https://rota.example.com")
    assert Settings().served_at("127.0.0.1", 8100).public_url == "https://rota.example.com"
