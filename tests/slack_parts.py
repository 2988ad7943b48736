"""Real parts for the Slack tests: a stand-in for Slack's Web API on 127.0.0.1 that checks
every call as Slack's reference documents it and answers like Slack, and two teams that
share one Slack app."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from api.slack.signing import signature

BOT_TOKEN = "xoxb-test-0000-secret-bot-token"
SIGNING_SECRET = "test-signing-secret-4242"
ENV = {"TEST_SLACK_BOT": BOT_TOKEN, "TEST_SLACK_SIGNING": SIGNING_SECRET}

# A weekly rotation in Berlin across both DST changes of 2027: two developers, two operators.
# Alice and Petra give their Slack member ids as chat handles; Bruno and Omar are found by email.
PAY = """\
[team]
id = "pay"
name = "Payments"
timezone = "Europe/Berlin"
period = "1w"
handoff = "monday 09:00"
start = 2027-03-01
frozen_periods = 0

[[member]]
id = "alice"
name = "Alice Schmidt"
email = "alice@example.com"
roles = ["developer"]
chat = "U0ALICE01"

[[member]]
id = "bruno"
name = "Bruno Keller"
email = "bruno@example.com"
roles = ["developer"]

[[member]]
id = "omar"
name = "Omar Haddad"
email = "omar@example.com"
roles = ["operator"]
chat = "@omar"

[[member]]
id = "petra"
name = "Petra Lang"
email = "petra@example.com"
roles = ["operator"]
chat = "U0PETRA01"

[slack]
signing_secret = "env:TEST_SLACK_SIGNING"
bot_token = "env:TEST_SLACK_BOT"
channel = "C0PAYMENTS"
usergroups = { developer = "S0DEV0001", operator = "S0OPS0001", both = "S0ALL0001" }
"""

# A second team on the same Slack app, linked to #web-support.
WEB = """\
[team]
id = "web"
name = "Storefront Web"
timezone = "America/New_York"
period = "1w"
handoff = "tuesday 10:00"
start = 2027-03-02
frozen_periods = 0

[[member]]
id = "wanda"
name = "Wanda Ito"
email = "wanda@example.com"
roles = ["developer", "operator"]

[[member]]
id = "xavi"
name = "Xavi Roca"
email = "xavi@example.com"
roles = ["developer", "operator"]

[slack]
signing_secret = "env:TEST_SLACK_SIGNING"
channel = "#web-support"
bot_token = "env:TEST_SLACK_BOT"
"""

#: Slack users of the stand-in workspace, by email.
DIRECTORY = {
    "alice@example.com": "U0ALICE01",
    "bruno@example.com": "U0BRUNO01",
    "omar@example.com": "U0OMAR001",
    "petra@example.com": "U0PETRA01",
}
SLACK_ID = {"alice": "U0ALICE01", "bruno": "U0BRUNO01", "omar": "U0OMAR001", "petra": "U0PETRA01"}


def write_teams(directory: Path) -> list[Path]:
    paths = []
    for name, text in (("pay", PAY), ("web", WEB)):
        path = directory / f"{name}.toml"
        path.write_text(text)
        paths.append(path)
    return paths


@dataclass
class Call:
    method: str
    body: dict[str, Any]


@dataclass
class StandIn:
    """Slack's Web API as far as Rota uses it. `script[method]` holds answers to give first:
    `(status, headers, body)`; after them every call is checked and answered `ok`."""

    port: int = 0
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    script: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = field(
        default_factory=dict
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def answer(
        self, method: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if headers.get("authorization") != f"Bearer {BOT_TOKEN}":
            return 200, {}, {"ok": False, "error": "not_authed"}
        content_type = headers.get("content-type", "")
        if method == "users.lookupByEmail":
            if not content_type.startswith("application/x-www-form-urlencoded"):
                self.problems.append(f"{method}: sent as {content_type}")
            body: dict[str, Any] = dict(urllib.parse.parse_qsl(raw.decode()))
        else:
            if not content_type.startswith("application/json"):
                self.problems.append(f"{method}: sent as {content_type}")
            body = json.loads(raw)
        with self.lock:
            self.calls.append(Call(method, body))
            scripted = self.script.get(method)
            if scripted:
                return scripted.pop(0)
        return self.check(method, body)

    def check(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        def bad(reason: str) -> tuple[int, dict[str, str], Any]:
            self.problems.append(f"{method}: {reason}: {body}")
            return 200, {}, {"ok": False, "error": "invalid_arguments"}

        if method == "usergroups.users.update":
            users = body.get("users")
            if not isinstance(body.get("usergroup"), str) or not isinstance(users, str):
                return bad("usergroup and users (a comma-separated string) are required")
            if not all(u in DIRECTORY.values() for u in users.split(",")):
                return bad("unknown user ids")
            return 200, {}, {"ok": True, "usergroup": {"id": body["usergroup"]}}
        if method == "chat.postMessage":
            if not isinstance(body.get("channel"), str) or not isinstance(body.get("text"), str):
                return bad("channel and text are required")
            if not isinstance(body.get("blocks"), list) or not body["blocks"]:
                return bad("blocks must be a list of blocks")
            return 200, {}, {"ok": True, "channel": body["channel"], "ts": "1.0"}
        if method == "users.lookupByEmail":
            user = DIRECTORY.get(body.get("email", ""))
            if user is None:
                return 200, {}, {"ok": False, "error": "users_not_found"}
            return 200, {}, {"ok": True, "user": {"id": user}}
        return 404, {}, {"ok": False, "error": "unknown_method"}


@contextmanager
def slack_stand_in() -> Iterator[StandIn]:
    stand_in = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            method = self.path.removeprefix("/api/")
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = stand_in.answer(method, headers, raw)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            stand_in.problems.append(f"GET {self.path}: Rota only POSTs")
            self.send_response(405)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert not stand_in.problems


def signed_headers(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, str(timestamp), body),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(text: str, **fields: str) -> bytes:
    form = {
        "token": "legacy-verification-token",
        "team_id": "T0WORKSPACE",
        "team_domain": "example",
        "channel_id": "C0RANDOM01",
        "channel_name": "random",
        "user_id": "U0ALICE01",
        "user_name": "alice",
        "command": "/rota",
        "text": text,
        "response_url": "https://hooks.slack.com/commands/T0/1/x",
        "trigger_id": "1.2.3",
        **fields,
    }
    return urllib.parse.urlencode(form).encode()


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return ENV
