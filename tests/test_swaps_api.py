"""Swaps through the API (SPEC section 4): asked by one member, accepted by the other, approved
where the team says so; checked again at every step; kept by regeneration; on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.clock import FixedClock
from api.principals import TokenRole
from tests.adjusting import parse, problem, schedule, turns

SWAPS = "/v1/teams/payments/swaps"


def two_turns(client: TestClient, headers: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two future developer turns of two full-time developers who may take each other's."""
    devs = [
        e
        for e in turns(schedule(client, headers), "developer")
        if e["start"] > "2027-04-01" and e["member"] in ("alice", "emre", "chen")
    ]
    first = devs[0]
    second = next(e for e in devs if e["member"] != first["member"])
    return first, second


def ask(
    client: TestClient, headers: dict[str, str], first: dict[str, Any], second: dict[str, Any]
) -> Any:
    return client.post(
        SWAPS,
        json={
            "role": "developer",
            "from_member": first["member"],
            "from_period_start": first["start"],
            "to_member": second["member"],
            "to_period_start": second["start"],
            "reason": "family visit",
        },
        headers=headers,
    )


def test_an_accepted_swap_exchanges_the_two_turns(
    client: TestClient, samples: None, admin: dict[str, str], token_for: Any
) -> None:
    first, second = two_turns(client, admin)
    asker = token_for(TokenRole.MEMBER, member=first["member"])
    answer = token_for(TokenRole.MEMBER, member=second["member"])
    created = ask(client, asker, first, second)
    assert created.status_code == 201, created.text
    swap = created.json()
    assert swap["status"] == "pending"
    assert swap["changed"] == []
    assert swap["expires_at"] == min(first["start"], second["start"])
    url = f"{SWAPS}/{swap['id']}"
    # Only the asked member (or a lead) accepts.
    problem(client.post(f"{url}/accept", headers=asker), 403)
    problem(client.post(f"{url}/accept", headers=token_for(TokenRole.MEMBER, member="bruno")), 403)
    accepted = client.post(f"{url}/accept", headers=answer)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "applied"
    assert sorted((c["start"], c["before"], c["after"]) for c in body["changed"]) == sorted(
        [
            (first["start"], first["member"], second["member"]),
            (second["start"], second["member"], first["member"]),
        ]
    )
    after = {e["start"]: e for e in turns(schedule(client, admin), "developer")}
    assert (after[first["start"]]["member"], after[first["start"]]["source"]) == (
        second["member"],
        "swap",
    )
    assert (after[second["start"]]["member"], after[second["start"]]["source"]) == (
        first["member"],
        "swap",
    )
    on_support = client.get(
        "/v1/teams/payments/on-support",
        params={"at": (parse(first["start"]) + timedelta(hours=1)).isoformat()},
        headers=admin,
    ).json()
    assert on_support["developer"]["source"] == "swap"
    actions = [
        e["action"]
        for e in client.get("/v1/audit", params={"team": "payments"}, headers=admin).json()[
            "entries"
        ][:2]
    ]
    assert actions == ["swap.accept", "swap.create"]
    problem(client.post(f"{url}/accept", headers=answer), 409)


def test_a_team_may_require_a_leads_approval(
    client: TestClient, samples: None, admin: dict[str, str], token_for: Any
) -> None:
    assert (
        client.patch("/v1/teams/payments", json={"swap_approval": True}, headers=admin).status_code
        == 200
    )
    first, second = two_turns(client, admin)
    swap = ask(client, admin, first, second).json()
    url = f"{SWAPS}/{swap['id']}"
    answer = token_for(TokenRole.MEMBER, member=second["member"])
    problem(client.post(f"{url}/approve", headers=admin), 409)  # not accepted yet
    accepted = client.post(f"{url}/accept", headers=answer).json()
    assert accepted["status"] == "accepted"
    assert accepted["changed"] == []
    problem(client.post(f"{url}/approve", headers=answer), 403)
    listed = client.get(SWAPS, params={"status": "accepted"}, headers=admin).json()
    assert [s["id"] for s in listed] == [swap["id"]]
    approved = client.post(f"{url}/approve", headers=token_for(TokenRole.LEAD, ["payments"]))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "applied"
    assert len(approved.json()["changed"]) == 2


def test_a_swap_can_be_declined_or_withdrawn(
    client: TestClient, samples: None, admin: dict[str, str], token_for: Any
) -> None:
    first, second = two_turns(client, admin)
    swap = ask(client, admin, first, second).json()
    declined = client.post(
        f"{SWAPS}/{swap['id']}/decline",
        json={"reason": "I am away then"},
        headers=token_for(TokenRole.MEMBER, member=first["member"]),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    before = schedule(client, admin)
    problem(client.post(f"{SWAPS}/{swap['id']}/accept", headers=admin), 409)
    assert schedule(client, admin) == before


def test_a_swap_that_breaks_a_hard_constraint_is_a_409(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first, second = two_turns(client, admin)
    # The asked member goes on time off during the turn they would take.
    day = (parse(first["start"]) + timedelta(days=2)).date().isoformat()
    assert (
        client.post(
            "/v1/teams/payments/time-off",
            json={"member": second["member"], "start": day, "end": day},
            headers=admin,
        ).status_code
        == 201
    )
    body = problem(ask(client, admin, first, second), 409, "to_member")
    assert "time off" in body["detail"]


def test_a_swap_of_a_turn_not_held_or_in_the_past_is_refused(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first, second = two_turns(client, admin)
    third = next(
        m for m in ("alice", "emre", "chen") if m not in (first["member"], second["member"])
    )
    wrong = {**first, "member": third}
    problem(ask(client, admin, wrong, second), 409, "from_period_start")
    history = turns(schedule(client, admin, since="2026-09-01"), "developer")
    past = next(e for e in history if e["member"] == first["member"] and e["end"] < "2026-11-26")
    problem(ask(client, admin, past, second), 409, "from_period_start")
    problem(ask(client, admin, first, {**second, "member": first["member"]}), 422, "to_member")
    problem(ask(client, admin, first, {**second, "member": "omar"}), 409, "to_period_start")


def test_an_open_swap_expires_when_its_first_turn_starts(
    client: TestClient, samples: None, admin: dict[str, str], clock: FixedClock
) -> None:
    first, second = two_turns(client, admin)
    swap = ask(client, admin, first, second).json()
    problem(ask(client, admin, first, second), 409, "from_period_start")  # one open swap a turn
    clock.set(parse(swap["expires_at"]))
    assert client.get(f"{SWAPS}/{swap['id']}", headers=admin).json()["status"] == "expired"
    body = problem(client.post(f"{SWAPS}/{swap['id']}/accept", headers=admin), 409)
    assert "expired" in body["detail"]


def test_regeneration_keeps_an_applied_swap(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first, second = two_turns(client, admin)
    swap = ask(client, admin, first, second).json()
    assert client.post(f"{SWAPS}/{swap['id']}/accept", headers=admin).json()["status"] == "applied"
    # A new member changes everyone's share: the plan regenerates.
    response = client.post(
        "/v1/teams/payments/members",
        json={"id": "fay", "name": "Fay", "email": "fay@example.com", "roles": ["developer"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    after = {e["start"]: e for e in turns(schedule(client, admin), "developer")}
    assert after[first["start"]]["member"] == second["member"]
    assert after[second["start"]]["member"] == first["member"]


def test_swap_etags_guard_concurrent_answers(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first, second = two_turns(client, admin)
    swap = ask(client, admin, first, second).json()
    url = f"{SWAPS}/{swap['id']}"
    etag = client.get(url, headers=admin).headers["etag"]
    assert client.post(f"{url}/decline", headers={**admin, "If-Match": etag}).status_code == 200
    problem(client.post(f"{url}/accept", headers={**admin, "If-Match": etag}), 412)
