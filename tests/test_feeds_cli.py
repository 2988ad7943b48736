"""`rota feed-token` and `rota export`, run as a user runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.clock import FixedClock
from api.settings import Settings
from tests.conftest import NOW, SAMPLES
from tests.parsers import parse_everywhere
from tests.test_cli import rota

PUBLIC = "https://rota.example.com"


def test_feed_tokens_are_created_listed_and_revoked(database_url: str) -> None:
    assert rota(database_url, "load", *map(str, SAMPLES)).exit_code == 0
    created = rota(database_url, "feed-token", "create", "--scope", "team", "--team", "payments")
    assert created.exit_code == 0, created.output
    url = created.output.splitlines()[-1]
    assert url.startswith("http://127.0.0.1:8000/v1/teams/payments/calendar.ics?token=rotafeed_")
    assert created.output.splitlines()[-2] == url.replace("http://", "webcal://")
    as_json = rota(database_url, "feed-token", "create", "--scope", "all", "--json")
    body = json.loads(as_json.output)
    assert set(body) >= {"id", "token", "url", "webcal_url"}

    listed = json.loads(rota(database_url, "feed-token", "list", "--json").output)
    assert [t["feed"] for t in listed] == ["/v1/teams/payments/calendar.ics", "/v1/calendar.ics"]
    assert body["token"] not in str(listed)

    settings = Settings(database_url=database_url)
    path = url.removeprefix("http://127.0.0.1:8000")
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        assert client.get(path).status_code == 200
        revoked = rota(database_url, "feed-token", "revoke", str(listed[0]["id"]))
        assert revoked.exit_code == 0, revoked.output
        assert client.get(path).status_code == 404
    again = rota(database_url, "feed-token", "revoke", str(listed[0]["id"]))
    assert again.exit_code != 0
    assert "no live feed token" in again.output


def test_a_bad_feed_token_request_is_one_clear_error(database_url: str) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    missing = rota(database_url, "feed-token", "create", "--scope", "member")
    assert missing.exit_code == 1
    assert "a member feed needs its member" in missing.output
    unknown = rota(database_url, "feed-token", "create", "--scope", "team", "--team", "nope")
    assert unknown.exit_code == 1
    assert "no team 'nope'" in unknown.output


def test_export_writes_the_feed_the_api_serves(database_url: str, tmp_path: Path) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    output = tmp_path / "storefront.ics"
    exported = rota(
        database_url, "export", "storefront", "-o", str(output), "--since", "2027-03-01"
    )
    assert exported.exit_code == 0, exported.output
    offline = parse_everywhere(output.read_bytes())
    assert len(offline) == 2 * 211  # 210 local days overlap 211 periods of 08:00 to 08:00
    created = rota(
        database_url, "feed-token", "create", "--scope", "team", "--team", "storefront", "--json"
    )
    path = json.loads(created.output)["url"].removeprefix("http://127.0.0.1:8000")
    settings = Settings(database_url=database_url)
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        served = client.get(path + "&since=2027-03-01")
    assert served.content == output.read_bytes()


def test_export_refuses_a_naive_window(database_url: str, tmp_path: Path) -> None:
    rota(database_url, "load", *map(str, SAMPLES))
    result = rota(
        database_url,
        "export",
        "payments",
        "-o",
        str(tmp_path / "x.ics"),
        "--since",
        "2027-03-01T10:00",
    )
    assert result.exit_code == 2
    assert "no time zone" in result.output
    assert not (tmp_path / "x.ics").exists()
