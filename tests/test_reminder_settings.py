"""Reminder settings: team leads and members' own channels and lead times in team files, the
team API's `leads` and `notify`, members' settings and handoff notes over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.loader import load_team_files
from api.principals import TokenRole
from api.repositories.member_notify import member_notify
from rotation import Channel
from rotation.teamfile import TeamFileError, parse_team_file
from tests.conftest import NOW, TokenFactory
from tests.test_teamfile import BASE, PATH, after, edit, line_of


def only_problem(text: str) -> tuple[int | None, str]:
    with pytest.raises(TeamFileError) as caught:
        parse_team_file(text, PATH)
    (problem,) = caught.value.problems
    return problem.line, problem.reason


def test_leads_and_member_settings_are_read_from_the_file() -> None:
    text = after("frozen_periods = 2", 'leads = ["omar"]')
    text = after("weight = 0.5", 'lead_times = ["2d", "30m"]\nnotify_channels = ["email"]', text)
    parsed = parse_team_file(text, PATH)
    assert parsed.team.leads == ("omar",)
    omar = parsed.member_notify["omar"]
    assert omar.lead_times == (timedelta(days=2), timedelta(minutes=30))
    assert omar.channels == (Channel.EMAIL,)
    assert "alice" not in parsed.member_notify


@pytest.mark.parametrize(
    ("edit_args", "needle", "reason"),
    [
        (("frozen_periods = 2", 'frozen_periods = 2\nleads = ["zoe"]'), "leads =", "not a member"),
        (("weight = 0.5", 'weight = 0.5\nlead_times = ["8d"]'), "lead_times =", "at most 7 days"),
        (("weight = 0.5", 'weight = 0.5\nlead_times = ["soon"]'), "lead_times =", "'soon'"),
        (
            ("weight = 0.5", 'weight = 0.5\nnotify_channels = ["pager"]'),
            "notify_channels =",
            "unknown channel 'pager'",
        ),
        (
            ("weight = 0.5", 'weight = 0.5\nnotify_channels = ["slack"]'),
            "notify_channels =",
            "needs slack_webhook",
        ),
        (
            ("weight = 0.5", 'weight = 0.5\nslack_webhook = "https://hooks.example/x"'),
            "slack_webhook =",
            "by reference only",
        ),
        (
            ('channels = ["log"]', 'channels = ["webhook"]\nwebhook_url = "env:CORE_HOOK"'),
            "channels =",
            "webhook_secret",
        ),
    ],
)
def test_bad_reminder_settings_are_refused_on_their_line(
    edit_args: tuple[str, str], needle: str, reason: str
) -> None:
    text = edit(*edit_args)
    line, message = only_problem(text)
    assert line == line_of(text, needle)
    assert reason in message


def test_a_member_may_use_the_teams_slack_webhook() -> None:
    text = edit(
        'channels = ["log"]', 'channels = ["log"]\nslack_webhook = "env:CORE_SLACK_WEBHOOK"'
    )
    text = after("weight = 0.5", 'notify_channels = ["slack"]', text)
    assert parse_team_file(text, PATH).member_notify["omar"].channels == (Channel.SLACK,)


def test_loading_sets_member_settings_and_keeps_the_handoff_note(
    client: TestClient, session: Session, tmp_path, token_for: TokenFactory
) -> None:
    path = tmp_path / "core.toml"
    path.write_text(after("weight = 0.5", 'lead_times = ["3h"]'))
    load_team_files(session, [path], NOW)
    lead = token_for(TokenRole.LEAD, ["core"])
    note = client.put(
        "/v1/teams/core/members/omar/handoff-note",
        json={"note": "Watch the batch job."},
        headers=lead,
    )
    assert note.status_code == 200, note.text
    path.write_text(BASE)  # the file no longer sets lead times: the team's apply again
    session.expire_all()
    load_team_files(session, [path], NOW)
    session.expire_all()
    omar = member_notify(session, "core", "omar")
    assert omar.lead_times is None
    assert omar.handoff_note == "Watch the batch job."


def test_member_settings_over_http(
    client: TestClient, session: Session, tmp_path, token_for: TokenFactory
) -> None:
    path = tmp_path / "core.toml"
    path.write_text(BASE)
    load_team_files(session, [path], NOW)
    lead = token_for(TokenRole.LEAD, ["core"])
    viewer = token_for(TokenRole.VIEWER)
    url = "/v1/teams/core/members/alice/notify"
    assert client.get(url, headers=viewer).json() == {
        "channels": None,
        "lead_times": None,
        "slack_webhook": None,
        "webhook_url": None,
        "webhook_secret": None,
        "handoff_note": "",
        "effective_channels": ["log"],
        "effective_lead_times": ["24h", "1h"],
    }
    body = {
        "channels": ["webhook", "email"],
        "lead_times": ["1h", "2d"],
        "webhook_url": "env:ALICE_HOOK",
        "webhook_secret": "env:ALICE_HOOK_SECRET",
    }
    assert client.put(url, json=body, headers=viewer).status_code == 403
    answer = client.put(url, json=body, headers=lead)
    assert answer.status_code == 200, answer.text
    assert answer.json()["effective_lead_times"] == ["2d", "1h"]
    assert answer.json()["webhook_secret"] == "env:ALICE_HOOK_SECRET"  # the reference only
    bad = client.put(url, json={"channels": ["slack"]}, headers=lead)
    assert bad.status_code == 422
    assert "slack_webhook" in bad.json()["detail"]
    clear = client.put(url, json={"webhook_url": "https://hooks.example/x"}, headers=lead)
    assert clear.status_code == 422
    assert client.put(url, json={"lead_times": ["9d"]}, headers=lead).status_code == 422
    off = client.put(url, json={"channels": []}, headers=lead)
    assert off.json()["effective_channels"] == []
    audit = client.get("/v1/audit", params={"team": "core"}, headers=viewer).json()["entries"]
    assert audit[0]["action"] == "member.notify"


def test_only_a_lead_or_admin_sets_a_handoff_note(
    client: TestClient, session: Session, tmp_path, token_for: TokenFactory
) -> None:
    path = tmp_path / "core.toml"
    path.write_text(BASE)
    load_team_files(session, [path], NOW)
    url = "/v1/teams/core/members/alice/handoff-note"
    other_lead = token_for(TokenRole.LEAD, ["elsewhere"])
    assert client.put(url, json={"note": "x"}, headers=other_lead).status_code == 403
    bad = client.put(url, json={"note": "a\x00b"}, headers=token_for(TokenRole.ADMIN))
    assert bad.status_code == 422
    ok = client.put(url, json={"note": "line one\nline two"}, headers=token_for(TokenRole.ADMIN))
    assert ok.json()["handoff_note"] == "line one\nline two"


def test_team_leads_and_notify_over_http(
    client: TestClient, session: Session, tmp_path, token_for: TokenFactory
) -> None:
    path = tmp_path / "core.toml"
    path.write_text(BASE)
    load_team_files(session, [path], NOW)
    lead = token_for(TokenRole.LEAD, ["core"])
    unknown = client.patch("/v1/teams/core", json={"leads": ["zoe"]}, headers=lead)
    assert unknown.status_code == 422
    assert "zoe" in unknown.json()["detail"]
    patched = client.patch(
        "/v1/teams/core",
        json={
            "leads": ["omar"],
            "notify": {
                "channels": ["slack", "log"],
                "lead_times": ["12h"],
                "slack_webhook": "env:CORE_SLACK",
            },
        },
        headers=lead,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["leads"] == ["omar"]
    assert body["notify"] == {
        "channels": ["slack", "log"],
        "lead_times": ["12h"],
        "slack_webhook": "env:CORE_SLACK",
        "webhook_url": None,
        "webhook_secret": None,
    }
    missing = client.patch(
        "/v1/teams/core", json={"notify": {"channels": ["webhook"]}}, headers=lead
    )
    assert missing.status_code == 422


def test_a_lead_who_leaves_the_team_leads_it_no_more(
    client: TestClient, session: Session, tmp_path, token_for: TokenFactory
) -> None:
    path = tmp_path / "core.toml"
    path.write_text(after("frozen_periods = 2", 'leads = ["omar"]'))
    load_team_files(session, [path], NOW)
    admin = token_for(TokenRole.ADMIN)
    assert client.delete("/v1/teams/core/members/omar", headers=admin).status_code == 200
    assert client.get("/v1/teams/core", headers=admin).json()["leads"] == []
    renamed = client.patch("/v1/teams/core", json={"name": "Core team"}, headers=admin)
    assert renamed.status_code == 200, renamed.text
