"""SIGTERM loses nothing: a real `rota serve` (and `rota worker`) process, stopped while its
reminder loop is handing a claimed reminder to a slow mail server, finishes that message,
gives its other claims back, and exits. No reminder is left `sending` for a lease to expire.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.reminder_parts import free_port

# Whoever is on support from about three hours from now: the 24-hour reminders are due now.
TEAM = """\
[team]
id = "night"
name = "Night"
timezone = "UTC"
period = "1d"
handoff = "{handoff}"
start = {start}
frozen_periods = 0

[[member]]
id = "alice"
name = "Alice"
email = "alice@example.com"
roles = ["developer"]

[[member]]
id = "bruno"
name = "Bruno"
email = "bruno@example.com"
roles = ["developer"]

[[member]]
id = "omar"
name = "Omar"
email = "omar@example.com"
roles = ["operator"]

[[member]]
id = "petra"
name = "Petra"
email = "petra@example.com"
roles = ["operator"]

[notify]
channels = ["email"]
lead_times = ["24h"]
"""


class SlowMailbox:
    """Takes SLOW seconds to accept each message; `sending` is set when the first one starts."""

    SLOW = 4.0

    def __init__(self) -> None:
        self.sending = threading.Event()
        self.accepted: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sending.set()
        await asyncio.sleep(self.SLOW)
        self.accepted.append(envelope.rcpt_tos[0])
        return "250 OK"


@pytest.fixture
def slow_smtp() -> Iterator[tuple[SlowMailbox, int]]:
    mailbox = SlowMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def statuses(db: Path, due: bool) -> list[tuple[str, str | None]]:
    """The email reminders, or only those of the first turn's start (due at once)."""
    first_turn = " AND kind = 'turn_starts' AND at = (SELECT min(at) FROM reminder)" if due else ""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            f"SELECT status, recipient FROM reminder WHERE channel = 'email'{first_turn}"
        )
        return [(status, recipient) for status, recipient in rows]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_sigterm_finishes_the_claimed_reminder_and_loses_none(
    tmp_path: Path, slow_smtp: tuple[SlowMailbox, int], command: str
) -> None:
    mailbox, smtp_port = slow_smtp
    turn = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=3)
    team = tmp_path / "night.toml"
    team.write_text(TEAM.format(handoff=turn.strftime("%H:%M"), start=turn.date().isoformat()))
    db = tmp_path / "rota.db"
    env = {
        **os.environ,
        "ROTA_DATABASE_URL": f"sqlite:///{db}",
        "ROTA_SMTP_HOST": "127.0.0.1",
        "ROTA_SMTP_PORT": str(smtp_port),
        "ROTA_REMINDER_INTERVAL": "1",
        # One sender: one message in hand when SIGTERM comes, the other claimed and waiting.
        "ROTA_REMINDER_SENDERS": "1",
        "ROTA_REMINDERS_ENABLED": "true",
        "ROTA_SOLVER_SECONDS": "1",
        "ROTA_SOLVER_WORKERS": "1",
    }
    rota = str(Path(sys.executable).with_name("rota"))
    if command == "serve":
        args = [rota, "serve", str(team), "--port", str(free_port())]
    else:
        subprocess.run([rota, "load", str(team)], env=env, check=True, capture_output=True)
        args = [rota, "worker"]
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert mailbox.sending.wait(120), "no reminder was sent"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    # uvicorn, once drained, re-raises the signal it caught: the usual status of a stopped server.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "Traceback" not in output, output
    found = statuses(db, due=True)
    assert len(found) == 2, found  # the developer's and the operator's
    sent = [recipient for status, recipient in found if status == "sent"]
    # The message in hand when SIGTERM came was finished and recorded ...
    assert mailbox.accepted == [f"{who}@example.com" for who in sent], (found, output)
    assert len(sent) == 1, found
    # ... and the other claim was given back, not sent on the way out: the next process sends it.
    assert sorted(status for status, _ in found) == ["pending", "sent"], found
    assert {status for status, _ in statuses(db, due=False)} <= {"sent", "pending"}


def test_sigterm_answers_the_request_in_flight(tmp_path: Path) -> None:
    """A request whose body is still arriving when SIGTERM comes is answered, and what it
    wrote stays written; only then does the server exit."""
    db = tmp_path / "rota.db"
    env = {**os.environ, "ROTA_DATABASE_URL": f"sqlite:///{db}", "ROTA_REMINDERS_ENABLED": "false"}
    rota = str(Path(sys.executable).with_name("rota"))
    subprocess.run([rota, "db", "upgrade"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [rota, "token", "create", "--role", "admin"], env=env, check=True, capture_output=True
    )
    token = made.stdout.decode().strip().splitlines()[-1]
    port = free_port()
    process = subprocess.Popen(
        [rota, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(240):  # until it listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, process.communicate()[0]
            time.sleep(0.25)
        body = b'{"scope": "all"}'
        head = (
            f"POST /v1/feed-tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
            client.sendall(head + body[:5])
            time.sleep(1)  # let the server read the headers: the request is now in flight
            process.send_signal(signal.SIGTERM)
            time.sleep(1)  # the server is draining, not yet gone
            assert process.poll() is None
            client.sendall(body[5:])
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert answer.startswith(b"HTTP/1.1 201"), answer
    assert process.returncode in (0, -signal.SIGTERM), output
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM feed_token").fetchone() == (1,)
