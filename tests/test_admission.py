"""More requests than threads: they queue for their turn instead of holding database connections
the threads need (a real uvicorn server, a pool of a few connections, many clients at once)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from api.app import create_app
from api.clock import FixedClock
from api.principals import TokenRole
from api.repositories.tokens import create_token
from api.settings import Settings
from tests.conftest import NOW, TEST_SOLVER
from tests.page_server import free_port


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A server with 2 request threads and a pool of 2 + 1 + 4 connections; its URL, a token."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'rota.db'}",
        threads=2,
        reminder_senders=1,
        reminders_enabled=False,
        **TEST_SOLVER,  # type: ignore[arg-type]
    )
    app = create_app(settings, FixedClock(NOW))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        assert thread.is_alive(), "the server stopped"
        time.sleep(0.05)
    with Session(app.state.engine) as session:
        _, token = create_token(session, "viewer", TokenRole.VIEWER, [], NOW)
        session.commit()
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_many_more_clients_than_connections_are_all_answered(
    small_server: tuple[str, str],
) -> None:
    url, token = small_server
    headers = {"Authorization": f"Bearer {token}"}

    def ask(_: int) -> int:
        # An authenticated read: the token's check and the route are two thread hops of one
        # session. Without the limit, 32 of them at once wedge the pool until it times out.
        with httpx.Client(base_url=url, headers=headers, timeout=20) as client:
            return sum(client.get("/v1/on-support").status_code == 200 for _ in range(5))

    with ThreadPoolExecutor(max_workers=32) as clients:
        answered = list(clients.map(ask, range(32)))
    assert answered == [5] * 32
