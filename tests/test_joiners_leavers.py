"""Joiners and leavers through PATCH (SPEC section 4): a leaver's turns after their last day are
refilled, a joiner enters at their fair share from the day they join, and both are audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.adjusting import schedule, turns


def fairness_row(client: TestClient, headers: dict[str, str], member: str) -> dict[str, Any]:
    report = client.get("/v1/teams/payments/fairness", headers=headers).json()
    role = next(r for r in report["roles"] if r["role"] == "developer")
    row: dict[str, Any] = next(m for m in role["members"] if m["member"] == member)
    return row


def test_a_leaver_keeps_past_turns_and_loses_the_ones_after_leaving(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    before = turns(schedule(client, admin), "developer")
    assert any(e["member"] == "emre" and e["start"] > "2027-04-01" for e in before)
    etag = client.get("/v1/teams/payments/members/emre", headers=admin).headers["etag"]
    response = client.patch(
        "/v1/teams/payments/members/emre",
        json={"left": "2027-03-31"},
        headers={**admin, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    after = turns(schedule(client, admin), "developer")
    # 2027-03-31 is a Wednesday: the week that starts on Monday 29 March is not wholly employed.
    assert not [e for e in after if e["member"] == "emre" and e["end"] > "2027-03-29T07:00:00Z"]
    assert all(e["member"] for e in after)
    kept = [e for e in before if e["start"] < "2026-12-14"]
    assert kept == [e for e in after if e["start"] < "2026-12-14"]  # started and frozen turns
    log = client.get("/v1/audit", params={"team": "payments", "limit": 1}, headers=admin).json()
    entry = log["entries"][0]
    assert entry["action"] == "member.update"
    assert (entry["before"]["left"], entry["after"]["left"]) == (None, "2027-03-31")


def test_a_joiner_enters_at_their_fair_share(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    response = client.post(
        "/v1/teams/payments/members",
        json={
            "id": "fay",
            "name": "Fay Olsen",
            "email": "fay@example.com",
            "roles": ["developer"],
            "joined": "2027-05-03",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    mine = [e for e in turns(schedule(client, admin), "developer") if e["member"] == "fay"]
    assert mine
    assert min(e["start"] for e in mine) >= "2027-05-03"
    # At her share, not at zero with a year to catch up: within one week's load of it.
    row = fairness_row(client, admin, "fay")
    assert row["share"] > 0
    assert abs(row["deviation"]) <= 10.5, row
