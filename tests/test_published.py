"""Answers served from the published plan: a fixed number of statements whatever the number of
teams, and what one replica writes the next read on another sees."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, update
from sqlmodel import Session, col

from api import database, repositories
from api.clock import FixedClock
from api.feeds import service as feeds
from api.feeds.events import FeedKind, FeedScope
from api.loader import load_team_files
from api.repositories import feeds as feed_store
from api.settings import Settings
from api.tables import TeamRow
from tests.conftest import NOW, TEST_SOLVER, statements

TEAM_FILE = """\
[team]
id = "{id}"
name = "Team {id}"
timezone = "Europe/Berlin"
period = "1w"
handoff = "monday 09:00"
start = 2026-11-02

[[member]]
id = "{id}-dev"
name = "Dev {id}"
email = "{id}-dev@example.com"
roles = ["developer"]

[[member]]
id = "{id}-op"
name = "Op {id}"
email = "{id}-op@example.com"
roles = ["operator"]
"""


def seed(session: Session, folder: Path, count: int, first: int = 0) -> None:
    """`count` weekly teams of a developer and an operator, t000, t001, ... from files."""
    paths: list[Path] = []
    for index in range(first, first + count):
        path = folder / f"t{index:03}.toml"
        path.write_text(TEAM_FILE.format(id=f"t{index:03}"))
        paths.append(path)
    load_team_files(session, paths, NOW, Settings(**TEST_SOLVER).budget)


def test_every_team_on_support_costs_the_same_statements_for_3_teams_as_for_12(
    client: TestClient, session: Session, viewer: dict[str, str], tmp_path: Path
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seed(session, tmp_path, 3)
    with statements(engine) as few_cold:
        assert len(client.get("/v1/on-support", headers=viewer).json()["teams"]) == 3
    with statements(engine) as few_warm:
        client.get("/v1/on-support", headers=viewer)
    seed(session, tmp_path, 9, first=3)
    with statements(engine) as many_cold:
        assert len(client.get("/v1/on-support", headers=viewer).json()["teams"]) == 12
    with statements(engine) as many_warm:
        client.get("/v1/on-support", headers=viewer)
    assert len(many_cold) == len(few_cold)
    assert len(many_warm) == len(few_warm)
    # Warm: the token and the team versions, nothing else.
    assert len(many_warm) == 2, many_warm


def test_a_warm_team_answer_reads_the_token_and_the_revision_in_one_statement(
    client: TestClient, session: Session, viewer: dict[str, str], tmp_path: Path
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seed(session, tmp_path, 2)
    client.get("/v1/teams/t000/on-support", headers=viewer)
    with statements(engine) as warm:
        answer = client.get("/v1/teams/t000/on-support", headers=viewer)
    assert answer.status_code == 200
    assert answer.json()["developer"]["email"] == "t000-dev@example.com"  # a reader's answer
    assert len(warm) == 1, warm
    # The same statement still tells a bad token and an unknown team apart.
    bad = {"Authorization": "Bearer rota_not-a-token"}
    assert client.get("/v1/teams/t000/on-support", headers=bad).status_code == 401
    assert client.get("/v1/teams/nope/on-support", headers=bad).status_code == 401
    assert client.get("/v1/teams/nope/on-support", headers=viewer).status_code == 404


def test_the_cached_answer_is_the_answer_the_plan_gives(
    client: TestClient,
    session: Session,
    viewer: dict[str, str],
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    seed(session, tmp_path, 2)
    first = client.get("/v1/teams/t000/on-support", headers=viewer).json()
    assert first["developer"]["id"] == "t000-dev"
    assert first["at"] == "2026-11-26T12:00:00Z"
    # A later instant in the same period: the same holders, its own `at`.
    clock.set(NOW + timedelta(hours=5))
    later = client.get("/v1/teams/t000/on-support", headers=viewer).json()
    assert later["at"] == "2026-11-26T17:00:00Z"
    assert {k: v for k, v in later.items() if k != "at"} == {
        k: v for k, v in first.items() if k != "at"
    }
    # Past the handoff: the next period.
    after = client.get(
        "/v1/teams/t000/on-support", params={"at": "2026-11-30T08:00:00Z"}, headers=viewer
    ).json()
    assert after["period"]["start"] == "2026-11-30T08:00:00Z"
    every = client.get("/v1/on-support", headers=viewer).json()
    assert [t["team"] for t in every["teams"]] == ["t000", "t001"]
    assert every["teams"][0]["period"] == first["period"]


def test_a_write_on_one_replica_is_seen_by_the_next_read_on_the_other(
    client: TestClient,
    replica: TestClient,
    session: Session,
    admin: dict[str, str],
    viewer: dict[str, str],
    tmp_path: Path,
) -> None:
    seed(session, tmp_path, 2)
    url = "/v1/teams/t000/on-support"
    before = client.get(url, headers=viewer).json()
    assert before["operator"]["id"] == "t000-op"
    assert client.get("/v1/on-support", headers=viewer).json()["teams"][0] == before
    # The replica hands the operator's slot to someone else for the afternoon.
    replica.post(
        "/v1/teams/t000/members",
        json={"id": "ola", "name": "Ola", "email": "ola@example.com", "roles": ["operator"]},
        headers=admin,
    ).raise_for_status()
    made = replica.post(
        "/v1/teams/t000/overrides",
        json={
            "role": "operator",
            "member": "ola",
            "start": "2026-11-26T12:00:00Z",
            "end": "2026-11-26T18:00:00Z",
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert client.get(url, headers=viewer).json()["operator"]["id"] == "ola"
    every = client.get("/v1/on-support", headers=viewer).json()["teams"]
    assert every[0]["operator"]["id"] == "ola"
    # Renaming a person is a change too, in every team they are in.
    replica.patch(
        "/v1/teams/t000/members/ola", json={"name": "Ola N."}, headers=admin
    ).raise_for_status()
    assert client.get(url, headers=viewer).json()["operator"]["name"] == "Ola N."
    # A team deleted on the replica is gone from the answer here.
    assert replica.delete("/v1/teams/t001", headers=admin).status_code in (200, 204)
    assert [t["team"] for t in client.get("/v1/on-support", headers=viewer).json()["teams"]] == [
        "t000"
    ]
    assert client.get("/v1/teams/t001/on-support", headers=viewer).status_code == 404


def test_the_kept_roster_answers_what_each_team_answers_and_moves_with_the_instant(
    client: TestClient,
    session: Session,
    viewer: dict[str, str],
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    seed(session, tmp_path, 3)
    first = client.get("/v1/on-support", headers=viewer)
    again = client.get("/v1/on-support", headers=viewer)  # from the kept roster
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    cache = client.app.state.published  # type: ignore[attr-defined]
    assert True in cache.rosters
    each = [client.get(f"/v1/teams/t00{i}/on-support", headers=viewer).json() for i in range(3)]
    assert first.json() == {"at": "2026-11-26T12:00:00Z", "teams": each}
    # A later instant in the same stretch: the same ETag, its own `at` everywhere.
    clock.set(NOW + timedelta(hours=5))
    later = client.get("/v1/on-support", headers=viewer)
    assert later.headers["etag"] == first.headers["etag"]
    assert later.json()["at"] == "2026-11-26T17:00:00Z"
    assert {t["at"] for t in later.json()["teams"]} == {"2026-11-26T17:00:00Z"}
    assert (
        client.get(
            "/v1/on-support", headers={**viewer, "If-None-Match": first.headers["etag"]}
        ).status_code
        == 304
    )
    # Past the handoff the roster no longer holds: the next period's holders, a new ETag.
    moved = client.get("/v1/on-support", params={"at": "2026-11-30T08:00:00Z"}, headers=viewer)
    assert moved.headers["etag"] != first.headers["etag"]
    assert {t["period"]["start"] for t in moved.json()["teams"]} == {"2026-11-30T08:00:00Z"}
    # Beyond the plans: no roster, each team says so on its own.
    beyond = client.get("/v1/on-support", params={"at": "2031-01-01T00:00:00Z"}, headers=viewer)
    assert beyond.status_code == 200
    assert all(t["detail"] for t in beyond.json()["teams"])


def test_every_teams_revisions_in_one_row_are_each_teams_own_in_id_order(
    session: Session, tmp_path: Path
) -> None:
    seed(session, tmp_path, 4)
    session.commit()
    every = repositories.team_revisions(session)
    assert list(every) == ["t000", "t001", "t002", "t003"]
    for team_id, revision in every.items():
        assert repositories.team_revisions(session, [team_id]) == {team_id: revision}
    assert repositories.team_revisions(session, ["t001", "t003", "nope"]) == {
        "t001": every["t001"],
        "t003": every["t003"],
    }
    # A team deleted and loaded again under its id never repeats its revision.
    repositories.delete_team(session, "t002")
    session.commit()
    assert "t002" not in repositories.team_revisions(session)
    seed(session, tmp_path, 1, first=2)
    session.commit()
    assert repositories.team_revisions(session)["t002"] != every["t002"]


def test_a_warm_answer_closes_its_session_without_a_second_worker_thread(
    client: TestClient,
    session: Session,
    viewer: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hot reads hand their connection back on the thread that ran them, so the session
    holds none at the end and is closed on the event loop."""
    seed(session, tmp_path, 1)
    client.get("/v1/teams/t000/on-support", headers=viewer)
    hops: list[object] = []
    run_sync = database.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(function, "__self__", None), Session):
            hops.append(function)  # a session's close on a worker thread
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(database.to_thread, "run_sync", counted)
    assert client.get("/v1/teams/t000/on-support", headers=viewer).status_code == 200
    assert hops == []
    # A request that read through the session holds its connection: closing it takes a thread.
    assert client.get("/v1/teams/nope/on-support", headers=viewer).status_code == 404
    assert len(hops) == 1


def test_a_hot_read_runs_outside_a_transaction_and_the_next_session_still_has_one(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL the one statement of a hot read runs in autocommit (handing the connection
    back costs no ROLLBACK); the pooled connection then serves a session whose rollback undoes
    its write."""
    seed(session, tmp_path, 1)
    session.commit()
    _, secret = feeds.issue_token(session, FeedScope(FeedKind.TEAM, team="t000"), "test", NOW)
    session.commit()
    engine = create_engine(database_url, pool_size=1, max_overflow=0)  # one connection, reused
    levels: list[object] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, *_: levels.append(conn.get_execution_options().get("isolation_level")),
    )
    with Session(engine) as fresh:
        read = feed_store.team_feed_read(fresh, secret)
        assert read is not None
        assert read.token.scope.team == "t000"
    postgres = engine.dialect.name == "postgresql"
    assert levels == ["AUTOCOMMIT" if postgres else None]
    with Session(engine) as writing:
        writing.execute(update(TeamRow).where(col(TeamRow.id) == "t000").values(name="Renamed"))
        writing.rollback()
    with Session(engine) as reading:
        assert reading.get(TeamRow, "t000").name == "Team t000"  # type: ignore[union-attr]
    engine.dispose()
