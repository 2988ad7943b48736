"""Benchmark: loading many small team files at once (each team planned in its own process).

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/load_many.py [--teams 200] [--workers 2] [--seconds 4]

Writes `--teams` team files of 3 developers and 2 operators (weekly, Berlin, a week of time off
each), loads them into a fresh SQLite database with `rota load`'s code path, and prints the time
of the whole load and per team, then how many plans met their proven balance bound.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from api.database import make_engine, upgrade
from api.loader import load_team_files
from rotation.solver import Budget

START = date(2027, 1, 4)


def team_file(path: Path, index: int, rng: random.Random) -> None:
    lines = [
        "[team]",
        f'id = "team-{index:03d}"',
        f'name = "Team {index}"',
        'timezone = "Europe/Berlin"',
        'period = "1w"',
        'handoff = "monday 09:00"',
        f"start = {START.isoformat()}",
        'holidays = "DE"',
        "",
    ]
    people = [(f"t{index:03d}d{i}", "developer") for i in range(3)]
    people += [(f"t{index:03d}o{i}", "operator") for i in range(2)]
    for person, role in people:
        lines += [
            "[[member]]",
            f'id = "{person}"',
            f'name = "{person}"',
            f'email = "{person}@example.com"',
            f'roles = ["{role}"]',
            "",
        ]
    for person, _ in people:
        first = START + timedelta(days=rng.randint(0, 300))
        lines += [
            "[[time_off]]",
            f'member = "{person}"',
            f"start = {first.isoformat()}",
            f"end = {(first + timedelta(days=6)).isoformat()}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index in range(args.teams):
            path = Path(folder) / f"team-{index:03d}.toml"
            team_file(path, index, rng)
            paths.append(path)
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        budget = Budget(seconds=args.seconds, workers=args.workers)
        began = time.perf_counter()
        with Session(engine) as session:
            loaded = load_team_files(session, paths, now, budget)
        seconds = time.perf_counter() - began
        engine.dispose()
    proven = sum(1 for item in loaded if item.update.solve and item.update.solve.balance_optimal)
    print(f"{args.teams} teams of 3+2, {args.workers} workers, budget {args.seconds:g} s")
    print(f"  load: {seconds:.1f} s in all, {seconds / args.teams:.2f} s per team")
    print(f"  balance bound met: {proven} of {len(loaded)}")


if __name__ == "__main__":
    main()
