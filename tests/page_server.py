"""A real Rota server for the browser tests: uvicorn in a thread on a free port of 127.0.0.1,
the sample teams loaded, the clock fixed at `conftest.NOW`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from sqlmodel import Session

from api.app import create_app
from api.clock import FixedClock
from api.loader import load_team_files
from api.principals import TokenRole
from api.repositories.tokens import create_token
from api.settings import Settings
from tests.conftest import NOW, SAMPLES, TEST_SOLVER


@dataclass
class PageServer:
    url: str
    app: FastAPI
    clock: FixedClock
    tokens: dict[str, str]
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        settings: Settings = self.app.state.settings
        return settings

    def api(self, token: str = "admin") -> httpx.Client:
        """An HTTP client of the JSON API with the bearer token `token` (closed at the end)."""
        if token not in self.clients:
            headers = {"Authorization": f"Bearer {self.tokens[token]}"}
            self.clients[token] = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        return self.clients[token]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def page_server(folder: Path) -> Iterator[PageServer]:
    settings = Settings(database_url=f"sqlite:///{folder / 'rota.db'}", **TEST_SOLVER)
    clock = FixedClock(NOW)
    app = create_app(settings, clock)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    tokens = {}
    with Session(app.state.engine) as session:
        load_team_files(session, SAMPLES, NOW, settings.budget)
        for name, role, teams, member in (
            ("admin", TokenRole.ADMIN, [], None),
            ("viewer", TokenRole.VIEWER, [], None),
            ("lead", TokenRole.LEAD, ["payments"], None),
            ("alice", TokenRole.MEMBER, [], "alice"),
        ):
            _, tokens[name] = create_token(session, name, role, teams, NOW, member)
        session.commit()
    running = PageServer(f"http://127.0.0.1:{port}", app, clock, tokens)
    try:
        yield running
    finally:
        for client in running.clients.values():
            client.close()
        server.should_exit = True
        thread.join(timeout=30)
