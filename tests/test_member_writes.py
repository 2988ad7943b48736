"""Member writes answer like every other write: the member, the assignments that moved, and a
reason in the audit log (the writer's, or what the change did to the membership)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.loader import load_team_files
from api.members import membership_changes, membership_reason
from rotation import Member, Role
from tests.conftest import NOW, SAMPLES

NEWCOMER = {"id": "zoe", "name": "Zoe", "email": "zoe@example.com", "roles": ["developer"]}


def last_entry(client: TestClient, headers: dict[str, str], team: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = client.get(
        "/v1/audit", params={"team": team, "limit": 1}, headers=headers
    ).json()["entries"]
    return entries[0]


def moved_to(changed: list[dict[str, Any]], member: str) -> list[dict[str, Any]]:
    return [c for c in changed if c["after"] == member]


def test_a_joiner_answers_the_turns_they_take_and_the_log_says_why(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    body = {**NEWCOMER, "reason": "hired for the payments rewrite"}
    response = client.post("/v1/teams/payments/members", json=body, headers=admin)
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["id"] == "zoe"
    assert moved_to(answer["changed"], "zoe")
    assert all(c["team"] == "payments" for c in answer["changed"])
    entry = last_entry(client, admin, "payments")
    assert entry["action"] == "member.create"
    assert entry["reason"] == "hired for the payments rewrite"


def test_a_leaver_without_a_reason_is_logged_as_leaving_on_their_date(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    response = client.patch(
        "/v1/teams/payments/members/alice", json={"left": "2027-01-15"}, headers=admin
    )
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["left"] == "2027-01-15"
    gone = [c for c in answer["changed"] if c["before"] == "alice"]
    assert gone
    assert all(c["start"] >= "2027-01-15" for c in gone)
    assert last_entry(client, admin, "payments")["reason"] == "alice leaves on 2027-01-15"
    # The ETag is the member's, so the next conditional write can use it.
    again = client.patch(
        "/v1/teams/payments/members/alice",
        json={"name": "Alice S."},
        headers={**admin, "If-Match": response.headers["etag"]},
    )
    assert again.status_code == 200, again.json()


def test_a_rename_moves_nothing_and_a_removal_answers_the_member_as_they_were(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    renamed = client.patch(
        "/v1/teams/payments/members/bruno", json={"name": "Bruno M."}, headers=admin
    )
    assert renamed.status_code == 200
    assert renamed.json()["changed"] == []
    removed = client.delete(
        "/v1/teams/payments/members/bruno", params={"reason": "moved to storefront"}, headers=admin
    )
    assert removed.status_code == 200, removed.json()
    assert removed.json()["name"] == "Bruno M."
    refilled = removed.json()["changed"]
    assert any(c["before"] == "bruno" for c in refilled)
    assert not any(c["after"] == "bruno" for c in refilled)
    entry = last_entry(client, admin, "payments")
    assert (entry["action"], entry["reason"]) == ("member.delete", "moved to storefront")


def test_a_reason_is_bounded_like_every_other_reason(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    body = {**NEWCOMER, "reason": "x" * 501}
    response = client.post("/v1/teams/payments/members", json=body, headers=admin)
    assert response.status_code == 422
    assert client.get("/v1/teams/payments/members/zoe", headers=admin).status_code == 404


def test_a_team_file_load_logs_its_joiners_and_leavers(
    client: TestClient, samples: None, session: Session, admin: dict[str, str], tmp_path: Path
) -> None:
    source = next(p for p in SAMPLES if p.name == "payments.toml").read_text()
    changed = source.replace('id = "alice"', 'id = "alice"\nleft = 2027-02-26', 1)
    changed += '\n[[member]]\nid = "zoe"\nname = "Zoe"\nemail = "zoe@example.com"\n'
    changed += 'roles = ["developer"]\njoined = 2027-01-04\n'
    path = tmp_path / "payments.toml"
    path.write_text(changed)
    load_team_files(session, [path], NOW)
    session.commit()
    entry = last_entry(client, admin, "payments")
    assert entry["action"] == "team.load"
    assert entry["reason"] == "alice leaves on 2027-02-26; zoe joins on 2027-01-04"


def test_membership_reasons_say_what_changed() -> None:
    alice = Member("alice", "Alice", "a@example.com", frozenset([Role.DEVELOPER]))
    both = Member("alice", "Alice", "a@example.com", frozenset(Role), 0.5)
    assert membership_reason(None, alice) == "alice joins"
    assert membership_reason(alice, None) == "alice is removed from the team"
    assert membership_reason(alice, both) == "alice roles now developer, operator; weight 1 to 0.5"
    assert membership_reason(alice, alice) == ""
    assert membership_changes([alice], [alice]) == ""
