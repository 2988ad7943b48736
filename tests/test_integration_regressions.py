"""Regression tests for what a review of the merged feeds, reminders and adjustments found
answering 500, one test per finding, named after what broke."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

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
