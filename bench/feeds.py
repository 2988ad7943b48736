"""Benchmark: building calendar feeds, and serving them over HTTP.

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/feeds.py [--seconds 5] [--repeat 20]

1. In process: a seeded team of 50 (25 developers, 25 operators, a daily rotation, some time
   off) on a fresh SQLite file. Time to build its default feed (30 days back, 180 ahead: about
   420 events) cold (the first render writes the memory of published events) and warm (nothing
   changed: one read), and to render it to bytes; the same for one member's feed.
2. Over real HTTP: `rota serve` (uvicorn) on 127.0.0.1 with the same database, one client
   sending requests one after the other for `--seconds` each: the team feed uncached (200 with
   the body), the team feed cached (If-None-Match, 304), and /healthz as the baseline.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.database import open_database  # noqa: E402
from api.feeds import service  # noqa: E402
from api.feeds.events import FeedKind, FeedScope  # noqa: E402
from api.feeds.render import Feed, render  # noqa: E402
from api.loader import load_team_files  # noqa: E402
from api.repositories import feeds as store  # noqa: E402
from rotation import Budget  # noqa: E402

PUBLIC = "http://127.0.0.1"


def team_file(path: Path, now: datetime, seed: int) -> None:
    """50 members, a daily rotation that started 60 days ago, time off for one in five."""
    rng = random.Random(seed)
    start = (now - timedelta(days=60)).date()
    lines = [
        "[team]",
        'id = "big"',
        'name = "Big"',
        'timezone = "Europe/Berlin"',
        'period = "1d"',
        'handoff = "09:00"',
        f"start = {start}",
        "frozen_periods = 2",
    ]
    for i in range(50):
        role = "developer" if i < 25 else "operator"
        lines += [
            "[[member]]",
            f'id = "m{i:02}"',
            f'name = "Member {i:02}"',
            f'email = "m{i:02}@example.com"',
            f'roles = ["{role}"]',
        ]
    for i in rng.sample(range(50), 10):
        first = now.date() + timedelta(days=rng.randrange(0, 150))
        lines += [
            "[[time_off]]",
            f'member = "m{i:02}"',
            f"start = {first}",
            f"end = {first + timedelta(days=rng.randrange(2, 14))}",
        ]
    path.write_text("\n".join(lines) + "\n")


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and best wall time of `repeat` runs, in milliseconds."""
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs), min(runs)


def in_process(database: str, now: datetime, repeat: int) -> None:
    engine = open_database(database)
    since, until = service.feed_window(None, None, ZoneInfo("UTC"), now)
    for scope in (FeedScope(FeedKind.TEAM, team="big"), FeedScope(FeedKind.MEMBER, member="m07")):

        def build(scope: FeedScope = scope) -> Feed:
            with Session(engine) as session:
                return service.build_feed(session, scope, since, until, now, PUBLIC, now)

        began = time.perf_counter()
        feed = build()
        cold = (time.perf_counter() - began) * 1000
        warm, warm_best = timed(build, repeat)
        rendered, rendered_best = timed(lambda feed=feed: render(feed), repeat)
        size = len(render(feed))
        print(
            f"{scope.key:>10}: {len(feed.events)} events, {size / 1024:.0f} KiB; "
            f"build cold {cold:.0f} ms, warm {warm:.0f} ms (best {warm_best:.0f}); "
            f"render {rendered:.0f} ms (best {rendered_best:.0f})"
        )
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rate(client: httpx.Client, url: str, headers: dict[str, str], seconds: float) -> float:
    """Requests per second, one after the other, for `seconds`."""
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 304), response.status_code
        count += 1
    return count / (time.perf_counter() - began)


def over_http(database: str, path: str, seconds: float) -> None:
    port = free_port()
    env = {**os.environ, "ROTA_DATABASE_URL": database}
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            first = client.get(path)
            etag = first.headers["etag"]
            health = rate(client, "/healthz", {}, seconds)
            uncached = rate(client, path, {}, seconds)
            cached = rate(client, path, {"If-None-Match": etag}, seconds)
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(f"HTTP (uvicorn, one client, sequential, {seconds:.0f} s each):")
    print(f"  /healthz            {health:7.1f} req/s  (baseline)")
    print(f"  team feed, 200      {uncached:7.1f} req/s  ({uncached / health:.2f} of healthz)")
    print(f"  team feed, 304      {cached:7.1f} req/s  ({cached / health:.2f} of healthz)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'bench.db'}"
        team = Path(folder) / "big.toml"
        team_file(team, now, args.seed)
        engine = open_database(database)
        began = time.perf_counter()
        with Session(engine) as session:
            load_team_files(session, [team], now, Budget(seconds=4, workers=1))
            scope = FeedScope(FeedKind.TEAM, team="big")
            _, secret = store.create_token(session, scope, "bench", now)
            session.commit()
        engine.dispose()
        print(f"seeded a team of 50 (daily rotation) in {time.perf_counter() - began:.1f} s")
        in_process(database, now, args.repeat)
        over_http(database, f"/v1/teams/big/calendar.ics?token={secret}", args.seconds)


if __name__ == "__main__":
    main()
