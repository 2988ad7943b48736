"""Real parts for the reminder tests: an SMTP server (aiosmtpd) and an HTTP receiver on
127.0.0.1 that check what arrives, and a small team to remind."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

# A daily rotation in Berlin: two developers, two operators, Omar leads.
TEAM = """\
[team]
id = "core"
name = "Core"
timezone = "Europe/Berlin"
period = "1d"
handoff = "09:00"
start = 2026-11-02
frozen_periods = 0
leads = ["omar"]

[[member]]
id = "alice"
name = "Alice Schmidt"
email = "alice@example.com"
roles = ["developer"]

[[member]]
id = "bruno"
name = "Bruno Keller"
email = "bruno@example.com"
roles = ["developer"]
timezone = "America/New_York"

[[member]]
id = "omar"
name = "Omar Haddad"
email = "omar@example.com"
roles = ["operator"]

[[member]]
id = "petra"
name = "Petra Lang"
email = "petra@example.com"
roles = ["operator"]

[notify]
channels = ["email"]
lead_times = ["24h", "1h"]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received, parsed."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    with smtp_server_on(port) as mailbox:
        yield mailbox, port


@contextmanager
def smtp_server_on(port: int) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the HTTP receiver got; it answers `status` (set it to fail the sender)."""

    requests: list[Received] = field(default_factory=list)
    status: int = 200
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def http_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def signature_ok(secret: str, request: Received) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["X-Rota-Signature"])


def write_team(directory: Path, text: str = TEAM) -> Path:
    path = directory / "core.toml"
    path.write_text(text)
    return path


def seed_teams(session: Any, count: int, days: int, now: Any, prefix: str = "t") -> None:
    """`count` daily teams in Berlin (two developers, two operators, round robin over `days`
    periods from 2026-11-02), published as it is: a plan without the solver."""
    from datetime import date, time

    from api import repositories
    from rotation import Assignment, Member, NotifyPolicy, Policy, Role, Team, period

    policy = Policy("Europe/Berlin", 1, time(9, 0), date(2026, 11, 2))
    for number in range(count):
        team_id = f"{prefix}{number:04d}"
        team = Team(team_id, f"Team {number}", policy, notify=NotifyPolicy())
        repositories.save_team(session, team, now)
        session.flush()
        ids = {role: [f"{team_id}-{role.value[0]}{k}" for k in range(2)] for role in Role}
        for role, people in ids.items():
            for person in people:
                member = Member(person, person.title(), f"{person}@example.com", frozenset([role]))
                repositories.save_member(session, team_id, member)
        for index in range(days):
            slot = period(policy, index)
            for role, people in ids.items():
                assignment = Assignment(role, slot, people[index % 2])
                repositories.add_assignment(session, team_id, assignment, now)
    session.commit()


def body(message: Message) -> str:
    """The text of a received mail, transfer encoding undone."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()
