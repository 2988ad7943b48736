"""Benchmark: `rota serve` at many teams, under a real load tool (wrk).

Prints figures and their ratio to `/healthz` in the same server, never asserts on them. Run
from the repository root (wrk from Debian: `apt-get install wrk`):

    .venv/bin/python bench/serve.py [--teams 1000] [--database sqlite --database postgresql]
        [--workers 1 --workers 2] [--connections 16 --connections 64] [--seconds 10]

For each database: N weekly teams of a developer and an operator are written as team files and
loaded with the product's loader, then `rota serve --workers W` is started (start-up to the first
answer is timed) and each route is driven by wrk at each number of connections:
- `/healthz`, the baseline (one `SELECT 1` through the same stack);
- one team's on-support, every team's on-support;
- one team's feed, a 200 with the body (gzipped, as calendar clients take it), and a 304 for a
  client whose copy is current.
Each route runs after a one-second warm-up (the steady state of a server that has been up a
while; the first, cold answer for every team is timed on its own), right after a run of
`/healthz` at the same number of connections, which is its baseline. Goals are printed beside
each figure.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.database import open_database  # noqa: E402
from api.feeds import service  # noqa: E402
from api.feeds.events import FeedKind, FeedScope  # noqa: E402
from api.loader import load_team_files  # noqa: E402
from api.principals import TokenRole  # noqa: E402
from api.repositories.tokens import create_token  # noqa: E402
from rotation import Budget  # noqa: E402

ROTA = [sys.executable, "-m", "api"]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"
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


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]
    goal: float  # the least ratio to /healthz


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int  # non-2xx/3xx answers and socket errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS rota_bench_serve")
        db.execute("CREATE DATABASE rota_bench_serve")
    return POSTGRES + "rota_bench_serve"


def seed(url: str, teams: int, folder: Path) -> tuple[str, str, float]:
    """Load `teams` team files; return a viewer token, the first team's feed path and the
    seconds the load took."""
    paths = []
    for index in range(teams):
        path = folder / f"t{index:04}.toml"
        path.write_text(TEAM_FILE.format(id=f"t{index:04}"))
        paths.append(path)
    engine = open_database(url)
    now = datetime.now(UTC)
    began = time.perf_counter()
    with Session(engine) as session:
        load_team_files(session, paths, now, Budget(seconds=1.0, workers=os.cpu_count() or 2))
        _, token = create_token(session, "bench", TokenRole.VIEWER, [], now)
        _, feed = service.issue_token(session, FeedScope(FeedKind.TEAM, team="t0000"), "bench", now)
        session.commit()
    engine.dispose()
    return token, f"/v1/teams/t0000/calendar.ics?token={feed}", time.perf_counter() - began


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start `rota serve`; return it, its base URL and the seconds to its first answer."""
    port = free_port()
    env = {**os.environ, "ROTA_DATABASE_URL": url, "ROTA_REMINDERS_ENABLED": "false"}
    env["ROTA_LOG_LEVEL"] = "WARNING"
    began = time.perf_counter()
    process = subprocess.Popen(
        [*ROTA, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise SystemExit(f"rota serve exited with {process.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                return process, base, time.perf_counter() - began
        except httpx.HTTPError:
            time.sleep(0.05)


def wrk(base: str, target: Target, connections: int, seconds: int) -> Figures:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, base + target.path], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return Figures(rps, _latency(out, "50%"), _latency(out, "99%"), bad)


def _latency(out: str, percentile: str) -> float:
    found = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", out)
    if found is None:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--workers", action="append", type=int)
    parser.add_argument("--connections", action="append", type=int)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    for kind in args.database or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory() as folder:
            url = database_url(kind, Path(folder))
            token, feed, took = seed(url, args.teams, Path(folder))
            print(f"\n{kind}: {args.teams} teams loaded in {took:.0f} s")
            bench(url, token, feed, args)


def bench(url: str, token: str, feed: str, args: argparse.Namespace) -> None:
    viewer = {"Authorization": f"Bearer {token}"}
    healthz = Target("/healthz", "/healthz", {}, 1.0)
    routes = [
        Target("team on-support", "/v1/teams/t0000/on-support", viewer, 0.8),
        Target(f"all {args.teams} teams on-support", "/v1/on-support", viewer, 0.1),
        Target("team feed 200 (gzip)", feed, {"Accept-Encoding": "gzip"}, 0.5),
    ]
    for workers in args.workers or [1, 2]:
        process, base, started = serve(url, workers)
        try:
            began = time.perf_counter()
            httpx.get(base + "/v1/on-support", headers=viewer, timeout=60).raise_for_status()
            cold = time.perf_counter() - began
            tag = httpx.get(base + feed, headers={"Accept-Encoding": "gzip"}).headers["etag"]
            current = {"Accept-Encoding": "gzip", "If-None-Match": tag}
            every = [*routes, Target("team feed 304", feed, current, 0.8)]
            print(f"  {workers} worker(s): start-up to first answer {started:.2f} s (goal < 3 s)")
            print(f"    first answer for all {args.teams} teams (cold, one process) {cold:.2f} s")
            print(
                f"    {'route':<32}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
                f"{'healthz':>9}{'x healthz':>11}{'goal':>7}{'bad':>6}"
            )
            for connections in args.connections or [16, 64]:
                for target in every:
                    # Each route after a second's warm-up (every worker started, its caches
                    # filled: the steady state), against /healthz measured just before it, so
                    # a machine whose speed drifts (shared cores) skews both alike.
                    wrk(base, target, connections, 1)
                    baseline = wrk(base, healthz, connections, args.seconds)
                    got = wrk(base, target, connections, args.seconds)
                    ratio = got.rps / baseline.rps
                    bad = got.bad + baseline.bad
                    mark = "ok" if ratio >= target.goal and bad == 0 else "MISS"
                    print(
                        f"    {target.name:<32}{connections:>6}{got.rps:>9.0f}{got.p50_ms:>9.1f}"
                        f"{got.p99_ms:>9.1f}{baseline.rps:>9.0f}{ratio:>10.2f}x"
                        f"{target.goal:>6.1f}x{bad:>6} {mark}"
                    )
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                print("    rota serve did not stop within 60 s of SIGTERM: killed")
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
