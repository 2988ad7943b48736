"""The lead's commands (`rota timeoff`, `override`, `swap`, `audit`), run as a lead runs them,
on SQLite and PostgreSQL: the same rules and audit entries as the API."""

from __future__ import annotations

import json
from typing import Any

from click.testing import Result

from tests.conftest import SAMPLES
from tests.test_cli import rota


def loaded(database_url: str) -> None:
    result = rota(database_url, "load", *map(str, SAMPLES))
    assert result.exit_code == 0, result.output


def developer_turns(database_url: str) -> list[dict[str, Any]]:
    result = rota(
        database_url,
        "schedule",
        "payments",
        "--since",
        "2027-03-01",
        "--until",
        "2027-06-01",
        "--json",
    )
    assert result.exit_code == 0, result.output
    return [e for e in json.loads(result.output)["entries"] if e["role"] == "developer"]


def ok(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if result.output.lstrip().startswith(("{", "[")) else None


def test_timeoff_add_list_and_remove(database_url: str) -> None:
    loaded(database_url)
    turn = developer_turns(database_url)[2]
    day = turn["start"][:10]
    added = ok(
        rota(
            database_url,
            "timeoff",
            "add",
            "payments",
            turn["member"],
            "--start",
            day,
            "--end",
            day,
            "--reason",
            "moving house",
            "--json",
        )
    )
    assert [(c["before"], c["start"]) for c in added["changed"]] == [
        (turn["member"], turn["start"])
    ]
    listing = rota(database_url, "timeoff", "list", "payments", "--member", turn["member"])
    assert listing.exit_code == 0
    assert "moving house" in listing.output
    removed = rota(database_url, "timeoff", "remove", "payments", str(added["id"]))
    assert removed.exit_code == 0, removed.output
    assert f"removed time off {added['id']}" in removed.output
    audit = ok(rota(database_url, "audit", "payments", "--limit", "2", "--json"))
    assert [e["action"] for e in audit["entries"]] == ["time_off.delete", "time_off.create"]
    assert {e["actor"] for e in audit["entries"]} == {"cli"}


def test_timeoff_errors_are_one_clear_line(database_url: str) -> None:
    loaded(database_url)
    naive = rota(
        database_url,
        "timeoff",
        "add",
        "payments",
        "omar",
        "--start",
        "2027-05-01T09:00",
        "--end",
        "2027-05-02",
    )
    assert naive.exit_code != 0
    assert "--start" in naive.output
    assert "time zone" in naive.output
    backwards = rota(
        database_url,
        "timeoff",
        "add",
        "payments",
        "omar",
        "--start",
        "2027-05-05",
        "--end",
        "2027-05-01",
    )
    assert backwards.exit_code == 1
    assert "error: end" in backwards.output
    stranger = rota(
        database_url,
        "timeoff",
        "add",
        "payments",
        "Not A Slug",
        "--start",
        "2027-05-01",
        "--end",
        "2027-05-02",
    )
    assert stranger.exit_code == 1
    assert "error: member" in stranger.output


def test_override_add_list_and_remove(database_url: str) -> None:
    loaded(database_url)
    added = ok(
        rota(
            database_url,
            "override",
            "add",
            "payments",
            "operator",
            "quinn",
            "--start",
            "2027-04-14T08:00:00Z",
            "--end",
            "2027-04-15T08:00:00Z",
            "--json",
        )
    )
    assert added["member"] == "quinn"
    listing = rota(database_url, "override", "list", "payments")
    assert "quinn" in listing.output
    who = ok(rota(database_url, "who", "payments", "--at", "2027-04-14T12:00:00Z", "--json"))
    assert who["operator"]["id"] == "quinn"
    assert who["operator"]["source"] == "override"
    past = rota(
        database_url,
        "override",
        "add",
        "payments",
        "operator",
        "quinn",
        "--start",
        "2026-11-01",
        "--end",
        "2026-11-02",
    )
    assert past.exit_code == 1
    assert "force" in past.output
    removed = rota(database_url, "override", "remove", "payments", str(added["id"]))
    assert removed.exit_code == 0, removed.output


def test_swap_ask_accept_and_list(database_url: str) -> None:
    loaded(database_url)
    devs = [e for e in developer_turns(database_url) if e["member"] in ("alice", "emre", "chen")]
    first = devs[0]
    second = next(e for e in devs if e["member"] != first["member"])
    asked = ok(
        rota(
            database_url,
            "swap",
            "ask",
            "payments",
            "developer",
            first["member"],
            first["start"],
            second["member"],
            second["start"],
            "--json",
        )
    )
    assert asked["status"] == "pending"
    pending = rota(database_url, "swap", "list", "payments", "--status", "pending")
    assert f"{first['member']}" in pending.output
    accepted = rota(database_url, "swap", "accept", "payments", str(asked["id"]))
    assert accepted.exit_code == 0, accepted.output
    assert "applied" in accepted.output
    after = {e["start"]: e for e in developer_turns(database_url)}
    assert after[first["start"]]["member"] == second["member"]
    assert after[first["start"]]["source"] == "swap"
    again = rota(database_url, "swap", "decline", "payments", str(asked["id"]))
    assert again.exit_code == 1
    assert "applied" in again.output


def test_member_tokens_are_made_for_a_known_person(database_url: str) -> None:
    loaded(database_url)
    made = rota(database_url, "token", "create", "--role", "member", "--member", "alice")
    assert made.exit_code == 0, made.output
    assert "acting as alice" in made.output
    assert made.output.strip().splitlines()[-1].startswith("rota_")
    assert rota(database_url, "token", "create", "--role", "member").exit_code != 0
    assert (
        rota(database_url, "token", "create", "--role", "member", "--member", "zed").exit_code != 0
    )
    assert (
        rota(database_url, "token", "create", "--role", "viewer", "--member", "alice").exit_code
        != 0
    )
