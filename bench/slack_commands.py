"""Benchmark: how long `/rota` takes to answer (Slack gives up after 3 s).

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/slack_commands.py [--requests 200]

Starts `rota serve` on the sample teams, each with a `[slack]` table sharing one signing secret,
and times signed `POST /v1/slack/commands` over real HTTP (`who payments`, `next payments`,
`me`, and `who` from the linked channel), with `GET /v1/teams/payments/on-support` (the same
read without Slack) and `/healthz` measured in the same run as the baselines.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def slack_teams(folder: Path) -> list[str]:
    """The samples, each with a `[slack]` table: one app, one channel per team."""
    paths = []
    for sample in sorted((ROOT / "samples").glob("*.toml")):
        path = folder / sample.name
        slack = (
            f'\n[slack]\nsigning_secret = "env:BENCH_SLACK_SIGNING"\n'
            f'channel = "#{sample.stem}-support"\nbot_token = "env:BENCH_SLACK_BOT"\n'
        )
        path.write_text(sample.read_text() + slack)
        paths.append(str(path))
    return paths


def signed(text: str, **fields: str) -> tuple[bytes, dict[str, str]]:
    form = {"command": "/rota", "text": text, "user_id": "U0BENCH01", "user_name": "alice"}
    body = urllib.parse.urlencode({**form, **fields}).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body, headers


def timed(count: int, call: Callable[[], httpx.Response]) -> list[float]:
    result = []
    for _ in range(count):
        began = time.perf_counter()
        response = call()
        result.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    return result


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{name:<40} n={len(values):<4} median {statistics.median(values):6.2f} ms"
        f"   p95 {p95:6.2f} ms   max {ordered[-1]:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {
            **os.environ,
            "ROTA_DATABASE_URL": f"sqlite:///{Path(folder) / 'rota.db'}",
            "ROTA_ANONYMOUS_READ": "true",
            "ROTA_REMINDERS_ENABLED": "false",
            "BENCH_SLACK_SIGNING": SECRET,
            "BENCH_SLACK_BOT": "xoxb-bench",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", *slack_teams(Path(folder)), "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"rota serve exited with {process.returncode}")
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            with httpx.Client(base_url=url) as client:

                def command(text: str, **fields: str) -> Callable[[], httpx.Response]:
                    def call() -> httpx.Response:
                        body, headers = signed(text, **fields)
                        return client.post("/v1/slack/commands", content=body, headers=headers)

                    return call

                rows = [
                    ("GET /healthz (baseline)", lambda: client.get("/healthz")),
                    (
                        "GET .../payments/on-support (baseline)",
                        lambda: client.get("/v1/teams/payments/on-support"),
                    ),
                    ("/rota who payments", command("who payments")),
                    ("/rota next payments", command("next payments")),
                    ("/rota me", command("me")),
                    (
                        "/rota who (linked channel)",
                        command("", channel_id="C0X", channel_name="payments-support"),
                    ),
                ]
                timed(20, rows[2][1])  # warm up
                print(f"rota serve, {len(slack_teams(Path(folder)))} sample teams on one app:")
                for name, call in rows:
                    print("  " + describe(name, timed(args.requests, call)))
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
