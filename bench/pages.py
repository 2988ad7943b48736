"""Benchmark: the web page `/` against `GET /v1/on-support` in the same server.

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/pages.py [--requests 200]

Starts `rota serve samples/*.toml` on a fresh SQLite file (anonymous reads on, so both answer
without a token, and with a signed-in session for the page as a lead sees it), then times
sequential requests over real HTTP, interleaved so both see the same machine load. The target
is `/` within 3x of the JSON; the sizes are each page's body before compression (target under
100 KB).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ROTA = [sys.executable, "-m", "api"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def lead_token(database: Path) -> str:
    env = {**os.environ, "ROTA_DATABASE_URL": f"sqlite:///{database}"}
    out = subprocess.run(
        [*ROTA, "token", "create", "--role", "lead", "--team", "payments"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def timed(client: httpx.Client, path: str) -> float:
    began = time.perf_counter()
    answer = client.get(path)
    elapsed = time.perf_counter() - began
    answer.raise_for_status()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    database = folder / "bench.db"
    port = free_port()
    env = {
        **os.environ,
        "ROTA_DATABASE_URL": f"sqlite:///{database}",
        "ROTA_ANONYMOUS_READ": "true",
        "ROTA_REMINDERS_ENABLED": "false",
    }
    files = sorted(str(p) for p in (ROOT / "samples").glob("*.toml"))
    process = subprocess.Popen(
        [*ROTA, "serve", *files, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = lead_token(database)
            for _ in range(10):  # warm up both
                client.get("/")
                client.get("/v1/on-support")
            api, page = [], []
            for _ in range(args.requests):
                api.append(timed(client, "/v1/on-support"))
                page.append(timed(client, "/"))
            signed = httpx.Client(base_url=url, timeout=60)
            form = signed.get("/sign-in").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf
            signed.post("/sign-in", data={"token": token, "csrf": csrf.group(1)})
            lead_page = [timed(signed, "/") for _ in range(args.requests)]
            # The team page computes the fairness report of the whole window: fewer requests.
            team_page = [
                timed(signed, "/teams/payments") for _ in range(max(args.requests // 10, 5))
            ]
            sizes = {
                path: len(signed.get(path).content)
                for path in (
                    "/",
                    "/teams/payments",
                    "/teams/payments?view=list",
                    "/teams/storefront",
                )
            }
            signed.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    base, ours, lead = (statistics.median(x) * 1000 for x in (api, page, lead_page))
    print(f"{args.requests} sequential requests each, medians over real HTTP (samples loaded)")
    print(f"GET /v1/on-support (baseline)   {base:7.2f} ms")
    print(
        f"GET /  anonymous                {ours:7.2f} ms   ratio {ours / base:.2f}x (target <= 3x)"
    )
    print(f"GET /  signed-in lead           {lead:7.2f} ms   ratio {lead / base:.2f}x")
    team = statistics.median(team_page) * 1000
    print(f"GET /teams/payments  lead       {team:7.2f} ms   ratio {team / base:.2f}x (no target)")
    for path, size in sizes.items():
        print(f"size {path:28} {size / 1000:7.1f} KB (target < 100 KB)")


if __name__ == "__main__":
    main()
