"""Regression tests for what a review of the adjustments found broken, one test per finding,
named after what broke."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.loader import load_team_files
from api.problems import database_busy
from api.settings import Settings
from tests.adjusting import problem, schedule, turns
from tests.conftest import NOW, SAMPLES, TEST_SOLVER

ALICE = {"id": "alice", "name": "Alice Schmidt", "email": "alice@example.com", "chat": "@alice"}


def weeks(entries: list[dict[str, Any]]) -> dict[str, dict[str, str | None]]:
    """Who holds each slot, by period start (weeks with no override)."""
    found: dict[str, dict[str, str | None]] = {}
    for entry in entries:
        found.setdefault(entry["period_start"], {})[entry["role"]] = entry["member"]
    return found


def holds_both_slots(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    clashes = []
    for dev in turns(entries, "developer"):
        for op in turns(entries, "operator"):
            if (
                dev["member"]
                and dev["member"] == op["member"]
                and dev["start"] < op["end"]
                and op["start"] < dev["end"]
            ):
                clashes.append((dev["member"], dev["start"]))
    return clashes


def dana_covers_a_developer_week(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    """An override makes dana (who holds both roles) the developer of a week she is not on."""
    by_week = weeks(schedule(client, admin))
    start = next(
        p
        for p, slots in sorted(by_week.items())
        if p > "2027-01-05" and "dana" not in slots.values()
    )
    week = next(e for e in schedule(client, admin) if e["period_start"] == start)
    response = client.post(
        "/v1/teams/payments/overrides",
        json={"role": "developer", "member": "dana", "start": start, "end": week["end"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return {"start": start, "end": week["end"], "operator": by_week[start]["operator"]}


def test_a_swap_cannot_give_the_operator_slot_to_who_covers_the_developer_one(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    week = dana_covers_a_developer_week(client, admin)
    dana = next(
        e
        for e in turns(schedule(client, admin), "operator")
        if e["member"] == "dana" and e["start"] > "2026-12-14"
    )
    body = problem(
        client.post(
            "/v1/teams/payments/swaps",
            json={
                "role": "operator",
                "from_member": "dana",
                "from_period_start": dana["start"],
                "to_member": week["operator"],
                "to_period_start": week["start"],
            },
            headers=admin,
        ),
        409,
        "from_member",
    )
    assert "override" in body["detail"]
    assert holds_both_slots(schedule(client, admin)) == []


def test_a_refill_never_gives_the_other_slot_to_who_covers_one_by_override(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    week = dana_covers_a_developer_week(client, admin)
    for operator in ("omar", "petra", "quinn"):
        client.post(
            "/v1/teams/payments/time-off",
            json={"member": operator, "start": week["start"][:10], "end": week["end"][:10]},
            headers=admin,
        )
    entries = schedule(client, admin)
    assert holds_both_slots(entries) == []
    # Nobody else could take it: the week is uncovered, and says so.
    (operator,) = [e for e in turns(entries, "operator") if e["period_start"] == week["start"]]
    assert operator["member"] is None


def test_a_leavers_overrides_end_with_their_employment(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    created = client.post(
        "/v1/teams/payments/overrides",
        json={
            "role": "developer",
            "member": "bruno",
            "start": "2027-05-04T08:00:00Z",
            "end": "2027-05-06T08:00:00Z",
        },
        headers=admin,
    ).json()
    early = client.post(
        "/v1/teams/payments/overrides",
        json={
            "role": "developer",
            "member": "bruno",
            "start": "2027-04-29T08:00:00Z",
            "end": "2027-05-02T08:00:00Z",
        },
        headers=admin,
    ).json()
    assert (
        client.patch(
            "/v1/teams/payments/members/bruno", json={"left": "2027-04-30"}, headers=admin
        ).status_code
        == 200
    )
    problem(client.get(f"/v1/teams/payments/overrides/{created['id']}", headers=admin), 404)
    trimmed = client.get(f"/v1/teams/payments/overrides/{early['id']}", headers=admin).json()
    assert trimmed["end"] == "2027-04-30T22:00:00Z"  # the end of 30 April in Berlin
    actions = [
        e["action"]
        for e in client.get(
            "/v1/audit", params={"team": "payments", "limit": 3}, headers=admin
        ).json()["entries"]
    ]
    assert set(actions) == {"member.update", "override.delete", "override.trim"}
    assert client.delete("/v1/teams/payments/members/bruno", headers=admin).status_code == 200
    assert client.get("/v1/teams/payments/overrides", headers=admin).json() == []
    on_support = client.get(
        "/v1/teams/payments/on-support", params={"at": "2027-04-29T10:00:00Z"}, headers=admin
    ).json()
    assert on_support["developer"]["id"] != "bruno"


def test_a_swap_named_by_the_date_a_turn_starts_swaps_that_turn(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    devs = [
        e
        for e in turns(schedule(client, admin), "developer")
        if e["start"] > "2027-04-01" and e["member"] in ("alice", "emre", "chen")
    ]
    first = devs[0]
    second = next(e for e in devs if e["member"] != first["member"])
    # Monday's date: the turn starting that Monday at 09:00, not the one it ends.
    response = client.post(
        "/v1/teams/payments/swaps",
        json={
            "role": "developer",
            "from_member": first["member"],
            "from_period_start": first["start"][:10],
            "to_member": second["member"],
            "to_period_start": second["start"][:10],
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    assert (response.json()["from_period_start"], response.json()["to_period_start"]) == (
        first["start"],
        second["start"],
    )


def join_storefront(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/v1/teams/storefront/members", json={**ALICE, "roles": ["developer"]}, headers=admin
    )
    assert response.status_code == 201, response.text


def test_deleting_a_team_keeps_time_off_for_the_persons_other_teams(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    join_storefront(client, admin)
    turn = next(
        e
        for e in turns(schedule(client, admin, team="storefront"), "developer")
        if e["member"] == "alice" and e["start"] > "2027-03-01"
    )
    day = turn["start"][:10]
    created = client.post(
        "/v1/teams/payments/time-off",
        json={"member": "alice", "start": day, "end": day},
        headers=admin,
    ).json()
    assert any(c["team"] == "storefront" for c in created["changed"])
    log = client.get("/v1/audit", params={"team": "storefront", "limit": 1}, headers=admin).json()
    assert log["entries"][0]["action"] == "time_off.create"
    assert client.delete("/v1/teams/payments", headers=admin).status_code == 204
    kept = client.get(
        "/v1/teams/storefront/time-off", params={"member": "alice"}, headers=admin
    ).json()
    assert [(t["id"], t["team"]) for t in kept] == [(created["id"], "storefront")]


def test_a_files_new_time_off_repairs_the_persons_other_teams(
    client: TestClient, session: Session, samples: None, admin: dict[str, str], tmp_path: Path
) -> None:
    join_storefront(client, admin)
    turn = next(
        e
        for e in turns(schedule(client, admin, team="storefront"), "developer")
        if e["member"] == "alice" and e["start"] > "2027-03-01"
    )
    day = turn["start"][:10]
    payments = next(p for p in SAMPLES if p.stem == "payments")
    edited = tmp_path / "payments.toml"
    edited.write_text(
        payments.read_text(encoding="utf-8")
        + f'\n[[time_off]]\nmember = "alice"\nstart = {day}\nend = {day}\n',
        encoding="utf-8",
    )
    load_team_files(session, [edited], NOW, Settings(**TEST_SOLVER).budget)
    (after,) = [
        e
        for e in schedule(client, admin, team="storefront")
        if e["start"] == turn["start"] and e["role"] == "developer"
    ]
    assert after["member"] != "alice"


def test_time_off_removed_and_added_across_two_teams_at_once_does_not_deadlock(
    client: TestClient, replica: TestClient, samples: None, admin: dict[str, str]
) -> None:
    join_storefront(client, admin)
    created = client.post(
        "/v1/teams/storefront/time-off",
        json={"member": "alice", "start": "2027-06-01", "end": "2027-06-03"},
        headers=admin,
    ).json()
    results: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def remove() -> None:
        barrier.wait()
        results["remove"] = client.delete(
            f"/v1/teams/storefront/time-off/{created['id']}", headers=admin
        )

    def add() -> None:
        barrier.wait()
        results["add"] = replica.post(
            "/v1/teams/payments/time-off",
            json={"member": "alice", "start": "2027-08-01", "end": "2027-08-03"},
            headers=admin,
        )

    threads = [threading.Thread(target=remove), threading.Thread(target=add)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results["remove"].status_code == 200, results["remove"].text
    assert results["add"].status_code == 201, results["add"].text


def test_loading_files_in_two_orders_at_once_does_not_deadlock(
    client: TestClient, samples: None, settings: Settings
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    pair = [p for p in SAMPLES if p.stem in ("payments", "storefront")]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def load(paths: list[Path]) -> None:
        barrier.wait()
        try:
            with Session(engine) as session:
                load_team_files(session, paths, NOW, settings.budget)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(order,)) for order in (pair, pair[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []


def test_a_locked_sqlite_database_is_a_503_to_retry() -> None:
    error = OperationalError("UPDATE team", {}, sqlite3.OperationalError("database is locked"))
    response = asyncio.run(database_busy(None, error))  # type: ignore[arg-type]
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    other = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: team"))
    with pytest.raises(OperationalError):
        asyncio.run(database_busy(None, other))  # type: ignore[arg-type]
