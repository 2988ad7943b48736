"""A team's fairness settings (day weights, extra holidays, fairness_since), end to end: the team
file, storage on both backends (including rows written before the columns existed), and the API.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from api import repositories
from api.database import alembic_config, make_engine
from api.loader import load_team_files
from api.tables import TeamRow
from rotation.model import DayWeights
from rotation.teamfile import Problem, TeamFileError, parse_team_file

# The same instant and files as conftest's NOW and SAMPLES.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SAMPLES = sorted(Path(__file__).parent.parent.joinpath("samples").glob("*.toml"))
PATH = "core.toml"
PROBLEM = "application/problem+json"

BASE = """\
[team]
id = "core"
name = "Core"
timezone = "Europe/Berlin"
period = "1w"
handoff = "monday 09:00"
start = 2027-01-04
holidays = "DE"

[[member]]
id = "alice"
name = "Alice"
email = "alice@example.com"
roles = ["developer", "operator"]
"""


def with_team_lines(*lines: str, text: str = BASE) -> str:
    """`text` with `lines` added at the end of its [team] table."""
    anchor = 'holidays = "DE"'
    assert text.count(anchor) == 1
    return text.replace(anchor, "\n".join([anchor, *lines]))


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert numbers, f"{needle!r} is not in the text"
    return numbers[0]


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(TeamFileError) as info:
        parse_team_file(text, PATH)
    return info.value.problems


# The team file: good files


def test_without_the_new_keys_a_team_gets_the_defaults() -> None:
    team = parse_team_file(BASE, PATH).team
    assert team.weights == DayWeights(1.0, 1.5, 2.0)
    assert team.extra_holidays == frozenset()
    assert team.fairness_since is None


def test_every_new_key_is_read() -> None:
    text = with_team_lines(
        "fairness_since = 2027-03-01",
        "extra_holidays = [2027-12-24, 2027-12-31]",
        "weights = { weekday = 1, weekend = 2.5, holiday = 3.0 }",
    )
    team = parse_team_file(text, PATH).team
    assert team.fairness_since == date(2027, 3, 1)
    assert team.extra_holidays == {date(2027, 12, 24), date(2027, 12, 31)}
    assert team.weights == DayWeights(1.0, 2.5, 3.0)
    assert all(isinstance(w, float) for w in (team.weights.weekday, team.weights.weekend))


def test_a_weight_left_out_keeps_its_default() -> None:
    team = parse_team_file(with_team_lines("weights = { holiday = 4 }"), PATH).team
    assert team.weights == DayWeights(weekday=1.0, weekend=1.5, holiday=4.0)


def test_weights_may_be_written_as_a_table_of_their_own() -> None:
    text = BASE.replace("\n[[member]]", "\n[team.weights]\nweekend = 2.0\n\n[[member]]", 1)
    assert parse_team_file(text, PATH).team.weights == DayWeights(weekend=2.0)


def test_an_empty_list_of_extra_holidays_is_none() -> None:
    team = parse_team_file(with_team_lines("extra_holidays = []"), PATH).team
    assert team.extra_holidays == frozenset()


def test_extra_holidays_may_span_several_lines() -> None:
    text = with_team_lines("extra_holidays = [", "  2027-12-24,", "  2027-12-31,", "]")
    assert len(parse_team_file(text, PATH).team.extra_holidays) == 2


def test_the_payments_sample_has_its_own_holidays() -> None:
    sample = next(p for p in SAMPLES if p.stem == "payments")
    team = parse_team_file(sample.read_text(encoding="utf-8"), str(sample)).team
    assert team.extra_holidays == {date(2026, 12, 24), date(2026, 12, 31)}


# The team file: every refusal, on its line, with a reason naming it

REFUSALS = [
    # (lines added to [team], the text of the line to blame, words the reason must contain)
    pytest.param(
        ["fairness_since = 2027-03-01T00:00:00"],
        "fairness_since",
        ["fairness_since", "date"],
        id="fairness-since-datetime",
    ),
    pytest.param(
        ['fairness_since = "2027-03-01"'],
        "fairness_since",
        ["fairness_since", "date"],
        id="fairness-since-string",
    ),
    pytest.param(
        ["fairness_since = 1969-12-31"],
        "fairness_since",
        ["fairness_since", "1970-01-01"],
        id="fairness-since-too-early",
    ),
    pytest.param(
        ["fairness_since = 2201-01-01"],
        "fairness_since",
        ["fairness_since", "2200-12-31"],
        id="fairness-since-too-late",
    ),
    pytest.param(
        ['extra_holidays = "2027-12-24"'],
        "extra_holidays",
        ["extra_holidays", "list"],
        id="extra-holidays-not-a-list",
    ),
    pytest.param(
        ['extra_holidays = [2027-12-24, "2027-12-31"]'],
        "extra_holidays",
        ["extra_holidays", "2027-12-31"],
        id="extra-holiday-string",
    ),
    pytest.param(
        ["extra_holidays = [2027-12-24T00:00:00Z]"],
        "extra_holidays",
        ["extra_holidays", "date"],
        id="extra-holiday-datetime",
    ),
    pytest.param(
        ["extra_holidays = [2027-12-24, 2027-12-31, 2027-12-24]"],
        "extra_holidays",
        ["2027-12-24", "twice"],
        id="extra-holiday-twice",
    ),
    pytest.param(
        ["extra_holidays = [2300-12-24]"],
        "extra_holidays",
        ["extra_holidays", "2200-12-31"],
        id="extra-holiday-out-of-range",
    ),
    pytest.param(
        ["extra_holidays = [" + ", ".join(["2027-12-24"] * 1001) + "]"],
        "extra_holidays",
        ["at most 1000", "1001"],
        id="extra-holidays-too-many",
    ),
    pytest.param(
        ["weights = 1.5"], "weights", ["weights", "table", "1.5"], id="weights-not-a-table"
    ),
    pytest.param(
        ["weights = { sunday = 2.0 }"],
        "weights",
        ["unknown", "'sunday'"],
        id="weights-unknown-key",
    ),
    pytest.param(
        ['weights = { weekend = "heavy" }'],
        "weights",
        ["weights.weekend", "number", "heavy"],
        id="weight-string",
    ),
    pytest.param(
        ["weights = { weekend = true }"],
        "weights",
        ["weights.weekend", "number"],
        id="weight-bool",
    ),
    pytest.param(
        ["weights = { weekday = 0 }"], "weights", ["weights.weekday 0", "more than 0"], id="w-0"
    ),
    pytest.param(
        ["weights = { holiday = -2.0 }"], "weights", ["weights.holiday -2.0"], id="w-negative"
    ),
    pytest.param(
        ["weights = { holiday = 100.5 }"],
        "weights",
        ["weights.holiday 100.5", "at most 100"],
        id="w-over-100",
    ),
    pytest.param(["weights = { weekend = nan }"], "weights", ["weights.weekend"], id="w-nan"),
    pytest.param(["weights = { weekend = inf }"], "weights", ["weights.weekend"], id="w-inf"),
]


@pytest.mark.parametrize(("lines", "needle", "words"), REFUSALS)
def test_a_bad_setting_is_refused_on_its_line(
    lines: list[str], needle: str, words: list[str]
) -> None:
    text = with_team_lines(*lines)
    (problem,) = problems_of(text)
    assert problem.line == line_of(text, f"{needle} ="), problem
    for word in words:
        assert word in problem.reason, problem


def test_a_weight_of_exactly_100_is_allowed() -> None:
    team = parse_team_file(with_team_lines("weights = { holiday = 100 }"), PATH).team
    assert team.weights.holiday == 100.0


def test_in_a_table_of_its_own_a_bad_weight_is_blamed_on_its_own_line() -> None:
    text = BASE.replace(
        "\n[[member]]",
        "\n[team.weights]\nweekday = 1.0\nweekend = 0\nfortnight = 3\n\n[[member]]",
        1,
    )
    problems = problems_of(text)
    assert {p.line: p.reason for p in problems}.keys() == {
        line_of(text, "weekend = 0"),
        line_of(text, "fortnight"),
    }


def test_every_bad_setting_is_reported_at_once() -> None:
    text = with_team_lines(
        "fairness_since = 2027-03-01T09:00:00",
        "extra_holidays = [2027-12-24, 2027-12-24]",
        "weights = { weekday = 0, colour = 1 }",
    )
    problems = problems_of(text)
    lines = sorted(p.line for p in problems if p.line)
    assert lines == sorted(
        [
            line_of(text, "fairness_since ="),
            line_of(text, "extra_holidays ="),
            line_of(text, "weights ="),
            line_of(text, "weights ="),
        ]
    )
    message = str(TeamFileError(PATH, problems))
    for reason in ("fairness_since", "twice", "weights.weekday 0", "'colour'"):
        assert reason in message


# Storage


def test_the_settings_survive_a_round_trip_through_the_database(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "core.toml"
    path.write_text(
        with_team_lines(
            "fairness_since = 2027-03-01",
            "extra_holidays = [2027-12-31, 2027-12-24]",
            "weights = { weekday = 0.5, weekend = 3, holiday = 99.5 }",
        ),
        encoding="utf-8",
    )
    load_team_files(session, [path], NOW)
    session.expire_all()
    team = repositories.get_team(session, "core")
    assert team.fairness_since == date(2027, 3, 1)
    assert team.extra_holidays == {date(2027, 12, 24), date(2027, 12, 31)}
    assert team.weights == DayWeights(0.5, 3.0, 99.5)
    row = session.get(TeamRow, "core")
    assert row is not None
    assert row.extra_holidays == ["2027-12-24", "2027-12-31"]  # sorted ISO dates


def test_teams_stored_before_the_settings_existed_get_the_defaults(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0002")
            connection.commit()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO team (id, name, timezone, period, handoff, start, holidays,"
                    " frozen_periods, notify, created_at, updated_at) VALUES ('old', 'Old',"
                    " 'Europe/Berlin', '1w', 'monday 09:00', '2027-01-04', NULL, 2, '{}',"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
    finally:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
    with Session(engine) as session:
        team = repositories.get_team(session, "old")
    engine.dispose()
    assert team.weights == DayWeights(1.0, 1.5, 2.0)
    assert team.extra_holidays == frozenset()
    assert team.fairness_since is None


# The API

TEAM: dict[str, Any] = {
    "id": "search",
    "name": "Search",
    "timezone": "America/Sao_Paulo",
    "period": "1w",
    "handoff": "tuesday 10:00",
    "start": "2027-01-05",
}
DEFAULT_WEIGHTS = {"weekday": 1.0, "weekend": 1.5, "holiday": 2.0}


def test_a_new_team_has_the_default_settings(client: TestClient, admin: dict[str, str]) -> None:
    body = client.post("/v1/teams", json=TEAM, headers=admin).json()
    assert body["fairness_since"] is None
    assert body["extra_holidays"] == []
    assert body["weights"] == DEFAULT_WEIGHTS


def test_settings_given_at_creation_come_back_from_get(
    client: TestClient, admin: dict[str, str]
) -> None:
    settings = {
        "fairness_since": "2027-02-02",
        "extra_holidays": ["2027-12-31", "2027-12-24"],
        "weights": {"weekend": 2.0, "holiday": 3},
    }
    created = client.post("/v1/teams", json={**TEAM, **settings}, headers=admin)
    assert created.status_code == 201, created.json()
    expected = {
        "fairness_since": "2027-02-02",
        "extra_holidays": ["2027-12-24", "2027-12-31"],  # sorted
        "weights": {"weekday": 1.0, "weekend": 2.0, "holiday": 3.0},
    }
    fetched = client.get("/v1/teams/search", headers=admin).json()
    listed = next(t for t in client.get("/v1/teams", headers=admin).json() if t["id"] == "search")
    for body in (created.json(), fetched, listed):
        assert {key: body[key] for key in expected} == expected


def test_a_patch_changes_only_what_it_names(client: TestClient, admin: dict[str, str]) -> None:
    settings = {"fairness_since": "2027-02-02", "extra_holidays": ["2027-12-24"]}
    client.post("/v1/teams", json={**TEAM, **settings}, headers=admin)

    weights = client.patch("/v1/teams/search", json={"weights": {"weekend": 3}}, headers=admin)
    assert weights.status_code == 200
    assert weights.json()["weights"] == {**DEFAULT_WEIGHTS, "weekend": 3.0}
    assert weights.json()["extra_holidays"] == ["2027-12-24"]
    assert weights.json()["fairness_since"] == "2027-02-02"

    holidays = {"extra_holidays": ["2028-01-02", "2027-12-31"]}
    replaced = client.patch("/v1/teams/search", json=holidays, headers=admin).json()
    assert replaced["extra_holidays"] == ["2027-12-31", "2028-01-02"]
    assert replaced["weights"]["weekend"] == 3.0

    # A nullable setting is cleared by null; null for the others changes nothing.
    change = {"fairness_since": None, "extra_holidays": None, "weights": None}
    cleared = client.patch("/v1/teams/search", json=change, headers=admin).json()
    assert cleared["fairness_since"] is None
    assert cleared["extra_holidays"] == ["2027-12-31", "2028-01-02"]
    assert cleared["weights"]["weekend"] == 3.0
    assert client.get("/v1/teams/search", headers=admin).json() == cleared

    emptied = client.patch("/v1/teams/search", json={"extra_holidays": []}, headers=admin).json()
    assert emptied["extra_holidays"] == []


def test_a_started_team_may_change_its_fairness_settings(
    client: TestClient, samples: None, admin: dict[str, str], session: Session
) -> None:
    # These are not part of the period grid: payments has started, and the change is allowed.
    change = {
        "fairness_since": "2026-07-01",
        "extra_holidays": ["2026-12-24"],
        "weights": {"weekday": 1.0, "weekend": 2.0, "holiday": 4.0},
    }
    response = client.patch("/v1/teams/payments", json=change, headers=admin)
    assert response.status_code == 200, response.json()
    session.expire_all()
    team = repositories.get_team(session, "payments")
    assert team.weights == DayWeights(1.0, 2.0, 4.0)
    assert team.extra_holidays == {date(2026, 12, 24)}
    assert team.fairness_since == date(2026, 7, 1)


BAD_SETTINGS = [
    pytest.param({"weights": {"weekday": 0}}, "weights.weekday", id="weight-0"),
    pytest.param({"weights": {"weekend": -1}}, "weights.weekend", id="weight-negative"),
    pytest.param({"weights": {"holiday": 100.01}}, "weights.holiday", id="weight-over-100"),
    pytest.param({"weights": {"holiday": "heavy"}}, "weights.holiday", id="weight-string"),
    pytest.param({"weights": {"sunday": 2}}, "weights.sunday", id="weight-unknown-key"),
    pytest.param({"weights": [1, 2, 3]}, "weights", id="weights-list"),
    pytest.param({"extra_holidays": ["2027-12-24", "2027-12-24"]}, "extra_holidays", id="dup"),
    pytest.param({"extra_holidays": ["2027-12-24"] * 1001}, "extra_holidays", id="too-many"),
    pytest.param({"extra_holidays": ["2301-01-01"]}, "extra_holidays", id="out-of-range"),
    pytest.param({"extra_holidays": ["24.12.2027"]}, "extra_holidays", id="not-a-date"),
    pytest.param({"extra_holidays": "2027-12-24"}, "extra_holidays", id="not-a-list"),
    pytest.param({"fairness_since": "2027-13-01"}, "fairness_since", id="since-not-a-date"),
    pytest.param({"fairness_since": "1969-12-31"}, "fairness_since", id="since-out-of-range"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SETTINGS)
def test_a_bad_setting_is_a_422_naming_the_field(
    client: TestClient, admin: dict[str, str], change: dict[str, Any], field: str
) -> None:
    created = client.post("/v1/teams", json={**TEAM, **change}, headers=admin)
    assert created.status_code == 422
    assert created.headers["content-type"] == PROBLEM
    assert field in created.json()["detail"]
    assert {e["field"].split(".")[0] for e in created.json()["errors"]} == {field.split(".")[0]}

    assert client.post("/v1/teams", json=TEAM, headers=admin).status_code == 201
    patched = client.patch("/v1/teams/search", json=change, headers=admin)
    assert patched.status_code == 422
    assert patched.headers["content-type"] == PROBLEM
    assert field in patched.json()["detail"]
    assert client.get("/v1/teams/search", headers=admin).json()["weights"] == DEFAULT_WEIGHTS


def test_a_nan_weight_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    # Python's JSON reader takes NaN and Infinity; a weight must still be a real number.
    for value in ("NaN", "Infinity"):
        body = json.dumps({**TEAM, "weights": {"weekend": "X"}}).replace('"X"', value)
        headers = {**admin, "Content-Type": "application/json"}
        response = client.post("/v1/teams", content=body.encode(), headers=headers)
        assert response.status_code == 422, value
        assert "weights.weekend" in response.json()["detail"]
