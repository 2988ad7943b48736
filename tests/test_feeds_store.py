"""The memory of published feed events under concurrent renders, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.feeds import service
from api.feeds.events import FeedKind, FeedScope
from api.tables import FeedEventRow
from tests.conftest import NOW

SCOPE = FeedScope(FeedKind.TEAM, team="payments")
SINCE, UNTIL = NOW - timedelta(days=30), NOW + timedelta(days=180)
RACERS = 4


def race(client: TestClient, now: datetime) -> list[dict[str, int]]:
    """Render the feed from `RACERS` threads at once, each with its own session."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    start = threading.Barrier(RACERS)

    def render(_: int) -> dict[str, int]:
        with Session(engine) as session:
            start.wait()
            feed = service.build_feed(session, SCOPE, SINCE, UNTIL, now, "https://x", now)
        return {item.event.uid: item.sequence for item in feed.events}

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(render, range(RACERS)))


def stored(client: TestClient) -> dict[str, int]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        rows = session.exec(select(FeedEventRow).where(col(FeedEventRow.feed) == SCOPE.key))
        return {row.uid: row.sequence for row in rows}


def test_concurrent_renders_insert_each_event_once_and_bump_each_change_once(
    client: TestClient, samples: None, admin: dict[str, str]
) -> None:
    first = race(client, NOW)
    assert all(result == first[0] for result in first)
    assert set(first[0].values()) == {0}
    assert stored(client) == first[0]

    assert client.delete("/v1/teams/payments/members/alice", headers=admin).status_code == 200
    second = race(client, NOW + timedelta(hours=1))
    after = stored(client)
    assert set(after) == set(first[0])
    assert set(after.values()) == {0, 1}  # changed events once, however many renders saw it
    for result in second:
        assert result == after

    # Nothing changed since: renders only read.
    assert race(client, NOW + timedelta(hours=2))[0] == after
    assert stored(client) == after
