"""Regression tests for what a review of the merged feeds, reminders and adjustments found
answering 500, one test per finding, named after what broke."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.principals import TokenRole
from rotation.teamfile import TeamFileError, parse_team_file
from tests.reminder_parts import TEAM
from tests.test_ics_import import ics

IMPORT = "/v1/teams/payments/members/alice/time-off/import"
CALENDAR = {"Content-Type": "text/calendar"}


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("DTSTART:20270601T000000Z\nDTEND:99991231T235959Z", 422),
        ("DTSTART:20270601T000000Z\nDURATION:P99999999D", 422),
        # Long past: nothing to import, and no 500 on the way.
        ("DTSTART:00010101T000000Z\nDTEND:00010102T000000Z", 201),
    ],
)
def test_a_calendar_with_dates_at_the_ends_of_the_calendar_is_no_500(
    client: TestClient, samples: None, admin: dict[str, str], event: str, status: int
) -> None:
    response = client.post(IMPORT, content=ics(event), headers={**admin, **CALENDAR})
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["time_off"] == []


def test_a_nul_in_an_imported_summary_never_reaches_the_database(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    event = "SUMMARY:a\x00b\x01c\nDTSTART:20270601T000000Z\nDTEND:20270602T000000Z"
    response = client.post(IMPORT, content=ics(event), headers={**admin, **CALENDAR})
    assert response.status_code == 201, response.text
    (entry,) = response.json()["time_off"]
    assert entry["reason"] == "Imported: a b c"


def test_a_huge_lead_time_is_a_422_naming_it(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    member = client.put(
        "/v1/teams/payments/members/alice/notify",
        json={"lead_times": ["99999999999h"]},
        headers=admin,
    )
    assert member.status_code == 422, member.text
    team = client.patch(
        "/v1/teams/payments", json={"notify": {"lead_times": ["99999999999h"]}}, headers=admin
    )
    assert team.status_code == 422, team.text
    with pytest.raises(TeamFileError, match="lead time"):
        parse_team_file(TEAM.replace('lead_times = ["24h", "1h"]', 'lead_times = ["1000000000d"]'))


def test_a_nul_in_a_member_id_is_a_404(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    response = client.patch(
        "/v1/teams/payments/members/al%00ice", json={"chat": "@x"}, headers=admin
    )
    assert response.status_code == 404, response.text


def test_a_member_changing_lead_times_keeps_the_webhook_a_lead_set(
    client: TestClient, samples: None, admin: dict[str, str], token_for: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("ALICE_HOOK", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("ALICE_SECRET", "s3cret")
    url = "/v1/teams/payments/members/alice/notify"
    lead = {
        "channels": ["webhook", "log"],
        "webhook_url": "env:ALICE_HOOK",
        "webhook_secret": "env:ALICE_SECRET",
    }
    assert client.put(url, json=lead, headers=admin).status_code == 200
    alice = token_for(TokenRole.MEMBER, member="alice")
    read = client.get(url, headers=alice)
    kept = ("channels", "webhook_url", "webhook_secret")
    mine = {key: read.json()[key] for key in kept} | {"lead_times": ["2h"]}
    sent_back = client.put(url, json=mine, headers={**alice, "If-Match": read.headers["etag"]})
    assert sent_back.status_code == 200, sent_back.text
    only_times = client.put(url, json={"lead_times": ["3h"]}, headers=alice)
    assert only_times.status_code == 200, only_times.text
    assert only_times.json()["webhook_url"] == "env:ALICE_HOOK"
    other = client.put(url, json={"webhook_url": "env:ROTA_SMTP_PASSWORD"}, headers=alice)
    assert other.status_code == 403


def test_a_stale_notify_write_cannot_erase_a_handoff_note(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    url = "/v1/teams/payments/members/alice"
    etag = client.get(f"{url}/notify", headers=admin).headers["etag"]
    note = client.put(
        f"{url}/handoff-note", json={"note": "prod DB failover at 14:00"}, headers=admin
    )
    assert note.status_code == 200, note.text
    stale = client.put(
        f"{url}/notify", json={"lead_times": ["2h"]}, headers={**admin, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert client.get(f"{url}/notify", headers=admin).json()["handoff_note"] == (
        "prod DB failover at 14:00"
    )
