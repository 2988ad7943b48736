"""`/rota` end to end through the HTTP API, signed like Slack signs it, and the Slack settings
resource (`GET/PUT /v1/teams/{team}/slack`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.clock import FixedClock
from api.loader import load_team_files
from api.principals import TokenRole
from api.settings import Settings
from tests.conftest import TEST_SOLVER, bearer
from tests.slack_parts import ENV, SIGNING_SECRET, command_body, signed_headers, write_teams

NOW = datetime(2027, 3, 3, 10, tzinfo=UTC)


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    settings = Settings(database_url=database_url, **TEST_SOLVER)
    with TestClient(create_app(settings, FixedClock(NOW))) as client:
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            load_team_files(session, write_teams(tmp_path), NOW, settings.budget)
        yield client


def tokens(client: TestClient) -> dict[str, dict[str, str]]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return {
            "viewer": bearer(session, TokenRole.VIEWER),
            "lead": bearer(session, TokenRole.LEAD, ["pay"]),
            "other": bearer(session, TokenRole.LEAD, ["web"]),
        }


def ask(client: TestClient, text: str, at: datetime = NOW, **fields: str) -> Any:
    body = command_body(text, **fields)
    return client.post(
        "/v1/slack/commands", content=body, headers=signed_headers(body, int(at.timestamp()))
    )


def on_support(client: TestClient, team: str) -> dict[str, Any]:
    viewer = tokens(client)["viewer"]
    answer: dict[str, Any] = client.get(f"/v1/teams/{team}/on-support", headers=viewer).json()
    return answer


def test_who_names_the_pair_since_when_and_the_next_handoff(app: TestClient) -> None:
    answer = ask(app, "who pay")
    assert answer.status_code == 200
    message = answer.json()
    now = on_support(app, "pay")
    assert message["response_type"] == "ephemeral"
    assert now["developer"]["name"] in message["text"]
    assert now["operator"]["name"] in message["text"]
    assert "since Mon 1 Mar 09:00 CET" in message["text"]
    assert "Next handoff Mon 8 Mar 09:00 CET" in message["text"]
    assert message["blocks"][0]["type"] == "section"
    # Alice and Petra gave their Slack member ids: they are mentioned, the others named.
    section = message["blocks"][0]["text"]["text"]
    for role in ("developer", "operator"):
        holder = now[role]
        if holder["id"] in ("alice", "petra"):
            assert f"<@{holder['chat']}>" in section
        else:
            assert holder["name"] in section


def test_a_team_by_name_shared_with_the_channel_when_asked(app: TestClient) -> None:
    message = ask(app, "who Storefront Web public").json()
    assert message["response_type"] == "in_channel"
    assert message["text"].startswith("On support for Storefront Web")


def test_the_team_comes_from_the_linked_channel(app: TestClient) -> None:
    by_id = ask(app, "", channel_id="C0PAYMENTS", channel_name="pay-support").json()
    assert by_id["text"].startswith("On support for Payments")
    by_name = ask(app, "next", channel_id="C0WEB0001", channel_name="web-support").json()
    assert by_name["text"].startswith("Next on support for Storefront Web")
    unlinked = ask(app, "who").json()
    assert unlinked["response_type"] == "ephemeral"
    assert "Which team?" in unlinked["text"]
    assert "pay, web" in unlinked["text"]
    unknown = ask(app, "who billing").json()
    assert "No team 'billing' here" in unknown["text"]


def test_next_names_who_takes_over(app: TestClient) -> None:
    message = ask(app, "next pay").json()
    viewer = tokens(app)["viewer"]
    at = "2027-03-08T08:00:00Z"
    then = app.get(f"/v1/teams/pay/on-support?at={at}", headers=viewer).json()
    assert "Mon 8 Mar 09:00 CET" in message["text"]
    assert f"developer: {then['developer']['name']}" in message["text"]
    assert f"operator: {then['operator']['name']}" in message["text"]


def test_me_lists_the_askers_next_turns(app: TestClient) -> None:
    viewer = tokens(app)["viewer"]
    schedule = app.get(
        "/v1/teams/pay/schedule?since=2027-03-03T10:00:00Z&until=2027-09-01T00:00:00Z",
        headers=viewer,
    ).json()
    first = next(e for e in schedule["entries"] if e["member"] == "alice")
    message = ask(app, "me", user_id="U0ALICE01").json()
    assert message["text"].startswith("Your next turns, Alice Schmidt")
    # A turn under way is listed from its start, not from now.
    start = datetime.fromisoformat(first["period_start"]).astimezone(UTC)
    assert f"<!date^{int(start.timestamp())}^" in message["blocks"][0]["text"]["text"]
    stranger = ask(app, "me", user_id="U0NOBODY1", user_name="nobody").json()
    assert "does not know your Slack account" in stranger["text"]
    # Omar's chat handle is his Slack user name: good enough to know him.
    omar = ask(app, "me", user_id="U0OMAR001", user_name="omar").json()
    assert omar["text"].startswith("Your next turns, Omar Haddad")


def test_help_and_words_not_understood(app: TestClient) -> None:
    message = ask(app, "help").json()
    assert "/rota who [team]" in message["text"]
    assert "public" in message["text"]
    puzzled = ask(app, "me and my friends").json()
    assert "I did not understand `me and my friends`" in puzzled["text"]


@pytest.mark.parametrize(
    "change",
    ["stale", "future", "tampered", "wrong secret", "no signature", "no timestamp", "garbage"],
)
def test_a_bad_signature_is_a_401_that_reveals_nothing(app: TestClient, change: str) -> None:
    body = command_body("who pay")
    at = int(NOW.timestamp())
    headers = signed_headers(body, at)
    if change == "stale":  # a replay of a request signed six minutes ago
        headers = signed_headers(body, at - 360)
    elif change == "future":
        headers = signed_headers(body, at + 360)
    elif change == "tampered":
        body = command_body("who web")
    elif change == "wrong secret":
        headers = signed_headers(body, at, secret=SIGNING_SECRET + "x")
    elif change == "no signature":
        del headers["X-Slack-Signature"]
    elif change == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    else:
        headers["X-Slack-Signature"] = "v0=not-hex"
    answer = app.post("/v1/slack/commands", content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "the request is not signed by a known Slack app"
    for secretive in ("pay", "Payments", "web", "env:", SIGNING_SECRET):
        assert secretive not in answer.text


def test_a_replayed_request_is_refused_once_five_minutes_have_passed(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    clock = FixedClock(NOW)
    settings = Settings(database_url=database_url, **TEST_SOLVER)
    with TestClient(create_app(settings, clock)) as client:
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            load_team_files(session, write_teams(tmp_path), NOW, settings.budget)
        body = command_body("who pay")
        headers = signed_headers(body, int(NOW.timestamp()))
        assert client.post("/v1/slack/commands", content=body, headers=headers).status_code == 200
        clock.set(NOW + timedelta(minutes=5, seconds=1))
        assert client.post("/v1/slack/commands", content=body, headers=headers).status_code == 401


def test_settings_show_references_and_writes_need_the_current_etag(app: TestClient) -> None:
    token = tokens(app)
    shown = app.get("/v1/teams/pay/slack", headers=token["viewer"])
    assert shown.status_code == 200
    assert shown.json() == {
        "team": "pay",
        "signing_secret": "env:TEST_SLACK_SIGNING",
        "bot_token": "env:TEST_SLACK_BOT",
        "channel": "C0PAYMENTS",
        "usergroups": {"both": "S0ALL0001", "developer": "S0DEV0001", "operator": "S0OPS0001"},
    }
    tag = shown.headers["ETag"]
    wanted = {**shown.json(), "usergroups": {"developer": "S0DEV0001"}}
    del wanted["team"]
    assert app.put("/v1/teams/pay/slack", json=wanted, headers=token["viewer"]).status_code == 403
    assert app.put("/v1/teams/pay/slack", json=wanted, headers=token["other"]).status_code == 403
    put = app.put("/v1/teams/pay/slack", json=wanted, headers={**token["lead"], "If-Match": tag})
    assert put.status_code == 200, put.text
    assert put.json()["usergroups"] == {"developer": "S0DEV0001"}
    assert put.headers["ETag"] != tag
    stale = app.put("/v1/teams/pay/slack", json=wanted, headers={**token["lead"], "If-Match": tag})
    assert stale.status_code == 412
    audit = app.get("/v1/audit?team=pay", headers=token["viewer"]).json()
    assert any(entry["action"] == "team.slack" for entry in audit["entries"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bot_token": "xoxb-1234-real-token"}, "bot_token"),
        ({"signing_secret": "8f742231b10e8888abcd99yyyzzz85a5"}, "signing_secret"),
        ({"bot_token": "env:B", "channel": "general chat"}, "channel"),
        ({"bot_token": "env:B", "usergroups": {"developer": "devs"}}, "usergroups.developer"),
        ({"bot_token": "env:B", "usergroups": {"ops": "S0123"}}, "usergroups"),
        ({"usergroups": {"developer": "S0123"}}, "usergroups"),
        ({"channel": "C0123", "extra": 1}, "extra"),
    ],
)
def test_bad_settings_are_a_422_naming_the_field(
    app: TestClient, body: dict[str, Any], field: str
) -> None:
    answer = app.put("/v1/teams/pay/slack", json=body, headers=tokens(app)["lead"])
    assert answer.status_code == 422
    problem = answer.json()
    named = problem.get("field") or ",".join(e["field"] for e in problem.get("errors", []))
    assert field in named
    assert "xoxb-1234-real-token" not in answer.text or field == "bot_token"


def test_slacks_unsigned_certificate_check_gets_an_empty_200(app: TestClient) -> None:
    answer = app.post(
        "/v1/slack/commands",
        content=b"ssl_check=1&token=legacy",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert answer.json() == {}
