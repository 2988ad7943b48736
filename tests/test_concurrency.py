"""Two leads editing one team at once, through two replicas of the service on one database
(SQLite and PostgreSQL): no update is lost, and a stale `If-Match` is a 412, never a silent
overwrite."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.settings import Settings
from tests.adjusting import future_turn, parse, schedule, turns


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run `calls` in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_leads_patching_one_member_with_the_same_etag_lose_nothing(
    client: TestClient, replica: TestClient, samples: None, admin: dict[str, str]
) -> None:
    url = "/v1/teams/payments/members/emre"

    def patch(app: TestClient, chat: str, etag: str) -> Callable[[], Any]:
        return lambda: app.patch(url, json={"chat": chat}, headers={**admin, "If-Match": etag})

    for round_ in range(3):
        etag = client.get(url, headers=admin).headers["etag"]
        first, second = at_once(
            patch(client, f"@emre-a{round_}", etag), patch(replica, f"@emre-b{round_}", etag)
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 412], (first.text, second.text)
        winner = first if first.status_code == 200 else second
        loser = second if winner is first else first
        assert loser.headers["content-type"].startswith("application/problem+json")
        assert "changed since you read it" in loser.json()["detail"]
        now = client.get(url, headers=admin)
        assert now.json()["chat"] == winner.json()["chat"]
        assert now.headers["etag"] == winner.headers["etag"]


def test_concurrent_time_off_never_refills_with_someone_away(
    client: TestClient, replica: TestClient, samples: None, admin: dict[str, str]
) -> None:
    """Each time off refills its turn. Without the team lock, each refill could pick the member
    the other request was taking out at the same moment; with it, the second waits and sees the
    first."""
    entries = schedule(client, admin)
    first = future_turn(entries, "developer", 6)
    second = future_turn(entries, "developer", 7)
    start = parse(first["start"]).date().isoformat()
    end = (parse(second["end"]) - timedelta(days=1)).date().isoformat()
    away = [first["member"], second["member"]]
    assert away[0] != away[1]
    responses = at_once(
        *(
            (
                lambda app=app, member=member: app.post(
                    "/v1/teams/payments/time-off",
                    json={"member": member, "start": start, "end": end},
                    headers=admin,
                )
            )
            for app, member in zip((client, replica), away, strict=True)
        )
    )
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    after = turns(schedule(client, admin), "developer")
    window = [e for e in after if first["start"] <= e["start"] < second["end"]]
    assert window
    assert not [e for e in window if e["member"] in away], window
    assert all(e["member"] for e in window)
    # Both requests are in the log, each with the refill it made.
    log = client.get("/v1/audit", params={"team": "payments", "limit": 2}, headers=admin).json()
    assert sorted(e["after"]["member"] for e in log["entries"]) == sorted(away)


def test_a_write_waits_for_the_lock_and_then_sees_the_other_write(
    settings: Settings, client: TestClient, samples: None
) -> None:
    """The lock itself: a second transaction's version bump waits for the first to commit."""
    from api.concurrency import lock_team
    from api.tables import TeamRow

    engine = client.app.state.engine  # type: ignore[attr-defined]
    holder = Session(engine)
    lock_team(holder, "payments")
    done = threading.Event()

    def second() -> None:
        with Session(engine) as session:
            lock_team(session, "payments")
            session.commit()
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not done.wait(1.0), "the second writer did not wait for the first"
    version = holder.get(TeamRow, "payments")
    assert version is not None
    held = version.version
    holder.commit()
    holder.close()
    assert done.wait(30)
    thread.join()
    with Session(engine) as session:
        row = session.get(TeamRow, "payments")
        assert row is not None
        assert row.version == held + 1
