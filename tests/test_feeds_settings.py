"""The team option `feed_local_times`: in team files, stored, and over the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from api import repositories
from api.loader import load_team_files
from rotation.teamfile import TeamFileError, parse_team_file
from tests.conftest import NOW
from tests.test_fairness_settings import PATH, with_team_lines


def test_feeds_are_in_utc_unless_the_file_asks_for_local_times() -> None:
    assert parse_team_file(with_team_lines(), PATH).team.feed_local_times is False
    local = parse_team_file(with_team_lines("feed_local_times = true"), PATH).team
    assert local.feed_local_times is True


def test_a_bad_local_times_value_names_its_line() -> None:
    with pytest.raises(TeamFileError) as caught:
        parse_team_file(with_team_lines('feed_local_times = "yes"'), PATH)
    assert "feed_local_times" in str(caught.value)
    assert "true or false" in str(caught.value)


def test_the_option_is_stored(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "core.toml"
    path.write_text(with_team_lines("feed_local_times = true"), encoding="utf-8")
    load_team_files(session, [path], NOW)
    session.expire_all()
    assert repositories.get_team(session, "core").feed_local_times is True
