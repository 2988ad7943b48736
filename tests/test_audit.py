"""The audit log: what API edits and team file loads record, and `GET /v1/audit`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, col, select

from api.clock import FixedClock
from api.loader import load_team_files
from api.principals import TokenRole
from api.repositories import audit
from api.tables import AuditRow
from rotation.teamfile import TeamFilesError

# The same instant and files as conftest's NOW and SAMPLES (the `samples` fixture loads them).
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SAMPLES = sorted(Path(__file__).parent.parent.joinpath("samples").glob("*.toml"))
PROBLEM = "application/problem+json"

TEAM = {
    "id": "search",
    "name": "Search",
    "timezone": "America/Sao_Paulo",
    "period": "1w",
    "handoff": "tuesday 10:00",
    "start": "2027-01-05",
}
MEMBER = {"id": "ana", "name": "Ana", "email": "ana@example.com", "roles": ["developer"]}


def entries(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=params, headers=headers)
    assert response.status_code == 200, response.json()
    body: list[dict[str, Any]] = response.json()["entries"]
    return body


def add_entries(session: Session, team_id: str | None, count: int) -> list[int]:
    rows = [
        audit.record(
            session,
            at=NOW + timedelta(minutes=n),
            actor="cli",
            action="schedule.regenerate",
            team_id=team_id,
            reason=f"entry {n}",
        )
        for n in range(count)
    ]
    session.commit()
    return [row.id for row in rows if row.id is not None]


# What is recorded


def test_loading_team_files_records_one_entry_per_file(
    client: TestClient, samples: None, viewer: dict[str, str]
) -> None:
    found = entries(client, viewer)
    assert len(found) == len(SAMPLES)
    assert {e["team"] for e in found} == {path.stem for path in SAMPLES}
    for entry in found:
        assert entry["action"] == "team.load"
        assert entry["actor"] == "team-file"
        assert entry["before"] is None
        assert entry["after"]["file"] == str(next(p for p in SAMPLES if p.stem == entry["team"]))
        assert entry["after"]["team"]["id"] == entry["team"]
        assert entry["after"]["members"]
        assert entry["after"]["changes"] == []
        assert entry["reason"] == ""
        assert datetime.fromisoformat(entry["at"].replace("Z", "+00:00")) == NOW


def test_a_reload_is_recorded_again_and_a_failed_load_not_at_all(
    session: Session, client: TestClient, viewer: dict[str, str], tmp_path: Path
) -> None:
    payments = next(p for p in SAMPLES if p.stem == "payments")
    load_team_files(session, [payments], NOW)
    load_team_files(session, [payments], NOW + timedelta(hours=1))
    bad = tmp_path / "bad.toml"
    bad.write_text(payments.read_text(encoding="utf-8").replace("1w", "1x"), encoding="utf-8")
    with pytest.raises(TeamFilesError, match="1x"):
        load_team_files(session, [payments, bad], NOW + timedelta(hours=2))
    found = entries(client, viewer, team="payments")
    assert [e["action"] for e in found] == ["team.load", "team.load"]
    assert found[0]["at"] > found[1]["at"]  # newest first


def test_a_changed_file_is_recorded_with_what_it_changed(
    session: Session, client: TestClient, viewer: dict[str, str], tmp_path: Path
) -> None:
    payments = next(p for p in SAMPLES if p.stem == "payments")
    load_team_files(session, [payments], NOW)
    edited = tmp_path / "payments.toml"
    text = payments.read_text(encoding="utf-8")
    edited.write_text(text.replace('chat = "@alice"', 'chat = "@alice.s"'), encoding="utf-8")
    load_team_files(session, [edited], NOW + timedelta(hours=1))
    latest = entries(client, viewer, team="payments")[0]
    alice_before = next(m for m in latest["before"]["members"] if m["id"] == "alice")
    alice_after = next(m for m in latest["after"]["members"] if m["id"] == "alice")
    assert (alice_before["chat"], alice_after["chat"]) == ("@alice", "@alice.s")
    assert latest["before"]["time_off"] == latest["after"]["time_off"]
    assert latest["after"]["file"] == str(edited)


def test_team_and_member_edits_are_recorded_with_who_and_the_resource(
    client: TestClient, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    created = client.post("/v1/teams", json=TEAM, headers=admin).json()
    updated = client.patch("/v1/teams/search", json={"name": "Search & Ads"}, headers=admin).json()
    member = client.post("/v1/teams/search/members", json=MEMBER, headers=admin).json()
    path = "/v1/teams/search/members/ana"
    member_after = client.patch(path, json={"chat": "@ana"}, headers=admin).json()
    assert client.delete(path, headers=admin).status_code == 204
    assert client.delete("/v1/teams/search", headers=admin).status_code == 204

    found = entries(client, viewer, team="search")
    assert [(e["action"], e["before"], e["after"]) for e in reversed(found)] == [
        ("team.create", None, created),
        ("team.update", created, updated),
        ("member.create", None, member),
        ("member.update", member, member_after),
        ("member.delete", member_after, None),
        ("team.delete", updated, None),
    ]
    assert {e["actor"] for e in found} == {"test-admin"}  # the token's name
    assert {e["team"] for e in found} == {"search"}
    assert all(newer["id"] > older["id"] for newer, older in itertools.pairwise(found))


def test_the_actor_is_the_token_that_made_the_change(
    client: TestClient, samples: None, token_for: Any, viewer: dict[str, str]
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    response = client.patch("/v1/teams/payments", json={"frozen_periods": 3}, headers=lead)
    assert response.status_code == 200
    (latest,) = entries(client, viewer, limit=1)
    assert (latest["actor"], latest["action"], latest["team"]) == (
        "test-lead",
        "team.update",
        "payments",
    )
    assert (latest["before"]["frozen_periods"], latest["after"]["frozen_periods"]) == (2, 3)


def test_a_refused_edit_records_nothing(
    client: TestClient, samples: None, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    before = entries(client, viewer)
    grid = client.patch("/v1/teams/payments", json={"handoff": "tuesday 09:00"}, headers=admin)
    assert grid.status_code == 409
    bad = client.patch("/v1/teams/payments", json={"weights": {"weekday": 0}}, headers=admin)
    assert bad.status_code == 422
    missing = client.delete("/v1/teams/payments/members/nobody", headers=admin)
    assert missing.status_code == 404
    assert entries(client, viewer) == before


def test_record_stores_nothing_before_a_create_as_sql_null(session: Session, client: Any) -> None:
    row = audit.record(
        session, at=NOW, actor="cli", action="team.create", team_id="x", after={"id": "x"}
    )
    session.commit()
    query = text('SELECT "before" IS NULL, "after" IS NULL FROM audit WHERE id = :id')
    is_null = session.connection().execute(query, {"id": row.id}).one()
    assert tuple(is_null) == (True, False)


def test_record_cuts_an_overlong_reason_rather_than_failing(session: Session, client: Any) -> None:
    row = audit.record(
        session, at=NOW, actor="a" * 300, action="team.update", team_id=None, reason="x" * 600
    )
    session.commit()
    session.refresh(row)
    assert (len(row.actor), len(row.reason)) == (200, 500)


# Reading the log


def test_pages_follow_each_other_newest_first(
    client: TestClient, session: Session, viewer: dict[str, str]
) -> None:
    ids = add_entries(session, "payments", 7)
    first = client.get("/v1/audit", params={"limit": 3}, headers=viewer).json()
    assert [e["id"] for e in first["entries"]] == ids[::-1][:3]
    assert first["next"] == ids[4]

    seen: list[int] = []
    cursor: int | None = None
    while True:
        params: dict[str, int] = {"limit": 3} | ({"before": cursor} if cursor else {})
        page = client.get("/v1/audit", params=params, headers=viewer).json()
        seen += [e["id"] for e in page["entries"]]
        cursor = page["next"]
        if cursor is None:
            break
        assert cursor == seen[-1]
    assert seen == ids[::-1]


def test_a_page_that_holds_the_rest_has_no_next(
    client: TestClient, session: Session, viewer: dict[str, str]
) -> None:
    ids = add_entries(session, None, 4)
    exact = client.get("/v1/audit", params={"limit": 4}, headers=viewer).json()
    assert [e["id"] for e in exact["entries"]] == ids[::-1]
    assert exact["next"] is None
    older = client.get("/v1/audit", params={"before": ids[2]}, headers=viewer).json()
    assert [e["id"] for e in older["entries"]] == [ids[1], ids[0]]
    assert older["next"] is None
    assert client.get("/v1/audit", params={"before": ids[0]}, headers=viewer).json() == {
        "entries": [],
        "next": None,
    }


def test_the_default_limit_is_50(
    client: TestClient, session: Session, viewer: dict[str, str]
) -> None:
    ids = add_entries(session, None, 51)
    page = client.get("/v1/audit", headers=viewer).json()
    assert len(page["entries"]) == 50
    assert page["next"] == ids[1]


def test_the_team_filter_keeps_one_team(
    client: TestClient, samples: None, session: Session, viewer: dict[str, str]
) -> None:
    add_entries(session, "storefront", 2)
    add_entries(session, None, 1)
    found = entries(client, viewer, team="storefront")
    assert [e["action"] for e in found] == ["schedule.regenerate"] * 2 + ["team.load"]
    assert {e["team"] for e in found} == {"storefront"}


def test_a_deleted_teams_history_stays_readable(
    client: TestClient, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    client.post("/v1/teams", json=TEAM, headers=admin)
    client.delete("/v1/teams/search", headers=admin)
    assert client.get("/v1/teams/search", headers=viewer).status_code == 404
    found = entries(client, viewer, team="search")
    assert [e["action"] for e in found] == ["team.delete", "team.create"]


@pytest.mark.parametrize("team", ["nosuchteam", "Not A Slug", "x\x00y"])
def test_an_unknown_team_is_a_404_problem(
    client: TestClient, samples: None, viewer: dict[str, str], team: str
) -> None:
    response = client.get("/v1/audit", params={"team": team}, headers=viewer)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "unknown-team"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"before": 0}, "before"),
        ({"before": "abc"}, "before"),
    ],
)
def test_bad_paging_is_a_422_naming_the_parameter(
    client: TestClient, viewer: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = client.get("/v1/audit", params=params, headers=viewer)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert f"query {field!r}" in response.json()["detail"]


def test_the_largest_page_is_500(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.get("/v1/audit", params={"limit": 500}, headers=viewer)
    assert response.status_code == 200


def test_reading_the_log_needs_a_token_even_with_anonymous_reads(
    client: TestClient, samples: None
) -> None:
    response = client.get("/v1/audit")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    bogus = client.get("/v1/audit", headers={"Authorization": "Bearer rota_nope"})
    assert bogus.status_code == 401
    # Anonymous reads cover who is on support, not who changed what.
    client.app.state.settings.anonymous_read = True  # type: ignore[attr-defined]
    assert client.get("/v1/audit").status_code == 401


def test_any_token_reads_the_log(client: TestClient, samples: None, token_for: Any) -> None:
    for role in TokenRole:
        headers = token_for(
            role,
            ["payments"] if role is TokenRole.LEAD else None,
            "alice" if role is TokenRole.MEMBER else None,
        )
        assert len(entries(client, headers)) == len(SAMPLES)


def test_entries_are_stored_with_the_clock_of_the_change(
    client: TestClient, clock: FixedClock, admin: dict[str, str], session: Session
) -> None:
    later = NOW + timedelta(days=3)
    clock.set(later)
    client.post("/v1/teams", json=TEAM, headers=admin)
    row = session.exec(select(AuditRow).order_by(col(AuditRow.id).desc())).first()
    assert row is not None
    assert row.at == later
    assert row.at.tzinfo is not None
