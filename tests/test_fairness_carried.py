"""Carried load: interruptions posted by leads and by Alertmanager count for the holders of the
turn they fell in, once; the fairness report shows them next to the planned load; a team's
`interrupt_weight` makes the planner pay a heavy week back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.principals import TokenRole
from rotation.carried import Carried, Interrupt, InterruptKind, carried_by, weighted
from rotation.model import Assignment, Member, Policy, Role, Team
from rotation.periods import period
from rotation.resolve import resolve
from rotation.solver import Budget, plan
from tests.conftest import TokenFactory

DEV, OP = Role.DEVELOPER, Role.OPERATOR
INTERRUPTS = "/v1/teams/payments/interrupts"
# NOW is 2026-11-26 12:00Z: a Thursday in a turn of the payments team.
WHEN = "2026-11-25T03:00:00Z"


def alert(fingerprint: str, starts: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "HighErrorRate", **labels},
        "annotations": {"summary": "5xx above 2%"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint,
    }


def payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "rota",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "alerts": list(alerts),
    }


def holders_at(client: TestClient, headers: dict[str, str], at: str) -> dict[str, str]:
    body = client.get("/v1/teams/payments/on-support", params={"at": at}, headers=headers).json()
    return {role: body[role]["id"] for role in ("developer", "operator")}


def carried_in_report(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, str], Any]:
    report = client.get("/v1/teams/payments/fairness", headers=headers).json()
    return {
        (m["member"], r["role"]): (m["interrupts"], m["carried"], m["carried_load"], m["load"])
        for r in report["roles"]
        for m in r["members"]
    }


def test_a_lead_records_an_interruption_for_the_holder_of_the_slot(
    client: TestClient, samples: None, token_for: TokenFactory, viewer: dict[str, str]
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    held = holders_at(client, viewer, WHEN)
    made = client.post(
        INTERRUPTS,
        json={"at": WHEN, "kind": "incident", "duration": "PT2H30M", "role": "operator"},
        headers=lead,
    )
    assert made.status_code == 201, made.text
    (recorded,) = made.json()["recorded"]
    assert recorded["weight"] == 2.5
    assert recorded["counts_for"] == [{"role": "operator", "member": held["operator"]}]
    both = client.post(INTERRUPTS, json={"at": WHEN, "kind": "page"}, headers=lead).json()
    assert {(h["role"], h["member"]) for h in both["recorded"][0]["counts_for"]} == {
        ("developer", held["developer"]),
        ("operator", held["operator"]),
    }
    report = carried_in_report(client, viewer)
    assert report[held["operator"], "operator"][:3] == (2, 3.5, 0.0)  # weight 0: plan untouched
    assert report[held["developer"], "developer"][:2] == (1, 1.0)
    # Planned and carried side by side: the planned load is what it was.
    assert report[held["operator"], "operator"][3] > 0
    listed = client.get(INTERRUPTS, headers=viewer).json()
    assert [i["kind"] for i in listed] == ["incident", "page"]


def test_bad_interruptions_are_refused_clearly(
    client: TestClient, samples: None, token_for: TokenFactory, viewer: dict[str, str]
) -> None:
    lead = token_for(TokenRole.LEAD, ["payments"])
    cases: list[tuple[Any, int, str]] = [
        ({"at": WHEN, "kind": "coffee"}, 422, "kind"),
        ({"at": "2026-11-25T03:00:00", "kind": "page"}, 422, "at"),
        ({"at": WHEN, "kind": "page", "weight": 1, "duration": "PT1H"}, 422, "not both"),
        ({"at": WHEN, "kind": "page", "weight": -1}, 422, "weight"),
        ({"at": "2026-12-24T03:00:00Z", "kind": "page"}, 422, "future"),
        ({"at": "2020-01-01T00:00:00Z", "kind": "page"}, 422, "first period"),
        (payload(), 422, "alerts"),
        ({"version": "4", "status": "firing", "alerts": [{"labels": {}}]}, 422, "fingerprint"),
        ([1, 2], 422, "body"),
    ]
    for body, status, named in cases:
        answer = client.post(INTERRUPTS, json=body, headers=lead)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert named in answer.json()["detail"], answer.json()
    assert client.post(INTERRUPTS, json={"at": WHEN, "kind": "page"}).status_code == 401
    other = token_for(TokenRole.LEAD, ["storefront"])
    assert (
        client.post(INTERRUPTS, json={"at": WHEN, "kind": "page"}, headers=other).status_code == 403
    )
    assert (
        client.post(INTERRUPTS, json={"at": WHEN, "kind": "page"}, headers=viewer).status_code
        == 403
    )
    assert client.post(
        "/v1/teams/nope/interrupts", json={"at": WHEN, "kind": "page"}, headers=lead
    ).status_code in (403, 404)


def test_alertmanager_posts_count_each_alert_once_for_the_holders(
    client: TestClient, samples: None, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    token = client.post("/v1/teams/payments/interrupt-token", headers=admin)
    assert token.status_code == 201
    hook = {"Authorization": f"Bearer {token.json()['token']}"}
    held = holders_at(client, viewer, WHEN)
    first = client.post(
        INTERRUPTS,
        json=payload(alert("a1", WHEN), alert("b2", WHEN, rota_role="developer")),
        headers=hook,
    )
    assert first.status_code == 201, first.text
    assert (len(first.json()["recorded"]), first.json()["duplicates"]) == (2, 0)
    # Repeated, then resolved: the same alerts, counted once.
    again = client.post(
        INTERRUPTS,
        json=payload(alert("a1", WHEN, "resolved"), alert("b2", WHEN, rota_role="developer")),
        headers=hook,
    )
    assert (again.json()["recorded"], again.json()["duplicates"]) == ([], 2)
    # The same fingerprint firing anew later is a new alert.
    later = client.post(
        INTERRUPTS, json=payload(alert("a1", "2026-11-25T05:00:00+00:00")), headers=hook
    )
    assert len(later.json()["recorded"]) == 1
    report = carried_in_report(client, viewer)
    assert report[held["developer"], "developer"][:2] == (3, 3.0)
    assert report[held["operator"], "operator"][:2] == (2, 2.0)
    # The webhook token posts interruptions to its team and does nothing else.
    assert client.get("/v1/teams/payments/fairness", headers=hook).status_code == 401
    assert (
        client.post(
            "/v1/teams/storefront/interrupts", json=payload(alert("c", WHEN)), headers=hook
        ).status_code
        == 401
    )


def test_interrupt_weight_makes_the_plan_pay_a_heavy_week_back(
    client: TestClient, samples: None, admin: dict[str, str], viewer: dict[str, str]
) -> None:
    held = holders_at(client, viewer, WHEN)["operator"]

    def future_turns() -> int:
        entries = client.get(
            "/v1/teams/payments/schedule",
            params={"since": "2027-01-01", "until": "2027-12-01"},
            headers=viewer,
        ).json()["entries"]
        return len(
            {e["period_start"] for e in entries if e["role"] == "operator" and e["member"] == held}
        )

    before = future_turns()
    made = client.post(
        INTERRUPTS,
        json={"at": WHEN, "kind": "incident", "weight": 60, "role": "operator"},
        headers=admin,
    )
    assert made.status_code == 201
    assert client.get("/v1/teams/payments/interrupt-settings", headers=viewer).json() == {
        "interrupt_weight": 0.0,
        "webhook_token": False,
    }
    changed = client.put(
        "/v1/teams/payments/interrupt-settings", json={"interrupt_weight": 0.25}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    # 60 hours at a quarter of a weekday's load each: 15 load, about two weeks of turns.
    assert future_turns() < before
    report = carried_in_report(client, viewer)
    assert report[held, "operator"][2] == 15.0
    bad = client.put(
        "/v1/teams/payments/interrupt-settings", json={"interrupt_weight": -1}, headers=admin
    )
    assert bad.status_code == 422


# The core, by hand.
POLICY = Policy("UTC", 7, time(0, 0), date(2027, 1, 4), handoff_weekday=0)


def person(member_id: str, *roles: Role) -> Member:
    return Member(member_id, member_id, f"{member_id}@example.com", frozenset(roles))


def test_carried_by_counts_for_the_holder_at_the_instant() -> None:
    assignments = [
        Assignment(role, period(POLICY, i), who)
        for i, (dev, op) in enumerate([("ann", "ozzy"), ("bob", None)])
        for role, who in ((DEV, dev), (OP, op))
    ]
    entries = resolve(assignments, period(POLICY, 0).start, period(POLICY, 1).end)
    first = period(POLICY, 0).start + timedelta(days=1)
    second = period(POLICY, 1).start + timedelta(hours=1)
    found = carried_by(
        [
            Interrupt(first, InterruptKind.PAGE, 1.0),
            Interrupt(second, InterruptKind.INCIDENT, 4.0),
            Interrupt(datetime(2030, 1, 1, tzinfo=UTC), InterruptKind.PAGE, 1.0),
        ],
        entries,
    )
    assert found == {
        ("ann", DEV): Carried(1, 1.0),
        ("ozzy", OP): Carried(1, 1.0),
        ("bob", DEV): Carried(1, 4.0),  # nobody held the operator slot then
    }
    assert weighted(found, 0) == {}
    assert weighted(found, 0.5)[("bob", DEV)] == 2.0


def test_carried_load_counts_like_held_load_in_the_planner() -> None:
    team = Team("t", "T", POLICY)
    members = [person(m, DEV) for m in ("ann", "bob", "cid")] + [person("ozzy", OP)]
    periods = [period(POLICY, i) for i in range(12)]
    budget = Budget(seconds=2.0, workers=1)
    even = plan(team, members, periods, budget=budget).assignments
    heavy = plan(team, members, periods, budget=budget, carried={("ann", DEV): 24.0}).assignments

    def turns(assignments: list[Assignment], who: str) -> int:
        return sum(1 for a in assignments if a.role is DEV and a.member == who)

    assert turns(even, "ann") == 4
    # 24 load carried is three weeks of turns: 120 over three is 40 each, ann has 24 of it.
    assert turns(heavy, "ann") == 2
