"""Benchmark: start-up time of `rota serve` and latency of "who is on support".

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/on_support.py [--requests 300]

1. Time from starting `rota serve samples/*.toml` on a fresh SQLite file to the first 200 on
   /v1/on-support (median of three cold starts).
2. Latency of /v1/teams/{team}/on-support for a daily team with about 500 periods of history and
   a year planned ahead, at now and at random instants of its history, over real HTTP, with
   /healthz measured in the same run as the baseline.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ROTA = [sys.executable, "-m", "api"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(files: list[str], database: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start `rota serve`; return the process, its base URL and seconds to the first 200."""
    port = free_port()
    env = {
        **os.environ,
        "ROTA_DATABASE_URL": f"sqlite:///{database}",
        "ROTA_ANONYMOUS_READ": "true",
    }
    began = time.perf_counter()
    process = subprocess.Popen(
        [*ROTA, "serve", *files, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise SystemExit(f"rota serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/v1/on-support", timeout=1).status_code == 200:
                return process, url, time.perf_counter() - began
        except httpx.TransportError:
            pass
        time.sleep(0.01)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


def history_team(path: Path, now: datetime) -> None:
    """A daily team that started about 500 days ago, with eight members and some time off."""
    start_day = (now - timedelta(days=500)).date()
    members = "\n".join(
        f'[[member]]\nid = "m{i}"\nname = "Member {i}"\nemail = "m{i}@example.com"\n'
        f'roles = ["{"developer" if i < 5 else "operator"}"]\n'
        for i in range(8)
    )
    path.write_text(
        f'[team]\nid = "history"\nname = "History"\ntimezone = "Europe/Berlin"\nperiod = "1d"\n'
        f'handoff = "09:00"\nstart = {start_day.isoformat()}\n\n{members}\n'
        f'[[time_off]]\nmember = "m1"\nstart = {(start_day + timedelta(days=40)).isoformat()}\n'
        f"end = {(start_day + timedelta(days=60)).isoformat()}\n"
    )


def timings(client: httpx.Client, paths: list[str]) -> list[float]:
    result = []
    for path in paths:
        began = time.perf_counter()
        response = client.get(path)
        result.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.text)
    return result


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{name:<44} n={len(values):<4} median {statistics.median(values):6.2f} ms"
        f"   p95 {p95:6.2f} ms   mean {statistics.fmean(values):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    samples = sorted(str(p) for p in (ROOT / "samples").glob("*.toml"))

    with tempfile.TemporaryDirectory() as folder:
        cold = []
        for run in range(3):
            process, _, seconds = start(samples, Path(folder) / f"cold{run}.db")
            cold.append(seconds)
            stop(process)
        print("rota serve samples/*.toml -> first 200 on /v1/on-support (fresh SQLite, 3 runs):")
        print(
            f"  median {statistics.median(cold):.2f} s   runs {', '.join(f'{s:.2f}' for s in cold)}"
        )

        now = datetime.now(UTC)
        team_file = Path(folder) / "history.toml"
        history_team(team_file, now)
        process, url, seconds = start([team_file.as_posix()], Path(folder) / "history.db")
        try:
            with httpx.Client(base_url=url) as client:
                schedule = client.get(
                    "/v1/teams/history/schedule",
                    params={
                        "since": (now - timedelta(days=499)).isoformat(),
                        "until": (now + timedelta(days=1)).isoformat(),
                    },
                ).json()
                past = len({e["period_start"] for e in schedule["entries"]})
                print(
                    f"\nteam 'history': daily periods, {past} of them in the past, "
                    f"planned until {schedule['planned_until']}"
                )
                timings(client, ["/healthz"] * 20 + ["/v1/teams/history/on-support"] * 20)  # warm
                rng = random.Random(7)
                instants = [
                    (now - timedelta(days=rng.uniform(0, 495))).isoformat()
                    for _ in range(args.requests)
                ]
                baseline = timings(client, ["/healthz"] * args.requests)
                current = timings(client, ["/v1/teams/history/on-support"] * args.requests)
                historic = timings(
                    client,
                    [
                        str(httpx.URL("/v1/teams/history/on-support", params={"at": at}))
                        for at in instants
                    ],
                )
                everyone = timings(client, ["/v1/on-support"] * args.requests)
        finally:
            stop(process)

    print(describe("GET /healthz (baseline)", baseline))
    print(describe("GET /v1/teams/history/on-support (now)", current))
    print(describe("GET /v1/teams/history/on-support?at=<past>", historic))
    print(describe("GET /v1/on-support", everyone))
    base = statistics.median(baseline)
    print(
        f"\nratio to /healthz (median): now {statistics.median(current) / base:.2f}x, "
        f"past instants {statistics.median(historic) / base:.2f}x, "
        f"all teams {statistics.median(everyone) / base:.2f}x"
    )


if __name__ == "__main__":
    main()
