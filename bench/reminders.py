"""Benchmark: one reminder pass over 1,000 teams (10,000 turns).

Prints figures, never asserts on them. Run from the repository root:

    .venv/bin/python bench/reminders.py [--teams 1000] [--periods 5]

Set-up (not timed): `--teams` daily teams in Berlin, each with two developers and two operators
and `--periods` planned periods (two turns each), written straight to a fresh SQLite file.

1. Planning: the first pass over every team (reads the resolved schedule, records the snapshot
   of turns, queues turn-start and handoff reminders), then a second pass with nothing new
   (the steady state of a loop running every 30 seconds): seconds per team.
2. Delivery at a handoff the teams share, when six reminders per team fall due at once (the
   handoff to both sides of both slots, and the 24 h reminders of the next turns). The clock
   starts at the due instant and runs in real time, so "delay" is how long after its due time
   each reminder went out. Runs, each from a copy of the same database, with one sender and
   with `--senders` (the loop's default, 8):
   - baseline: claim and record only: no re-check of the schedule, no text (a constant
     message), the log channel doing nothing;
   - render: the real pass: claim, re-read the resolved schedule, render the text, the log
     channel doing nothing;
   - log: the real pass writing each message to a log file (the default channel);
   - network: the real pass with a send that waits `--network-ms` (an SMTP or webhook round
     trip), senders only (one sender would take 6,000 round trips end to end).

Goals printed beside the figures: a planning pass over unchanged teams under 3 s, and every
reminder due at once sent within one interval (30 s) of its due time.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, func, select

from api import repositories
from api.database import make_engine, open_database
from api.reminders import delivery as delivery_module
from api.reminders.channels import Channels, Delivery
from api.reminders.delivery import deliver_due
from api.reminders.loop import plan_all
from api.settings import Settings
from api.tables import ReminderRow
from rotation import Channel, Member, NotifyPolicy, Policy, Role, Team, period
from rotation.greedy import greedy
from rotation.messages import Message

POLICY = Policy("Europe/Berlin", 1, wall(9, 0), date(2026, 12, 1))
HORIZON = timedelta(days=14)


class RunningClock:
    """Real time, shifted so that it reads `start` when created."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.perf_counter()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.perf_counter() - self.began)


class StillClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def seed(url: str, teams: int, periods: int) -> None:
    """`teams` daily teams of two developers and two operators, written through the product's
    repositories and planned by its greedy planner (the solver would dominate the seeding)."""
    engine = open_database(url)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with Session(engine) as session:
        for number in range(teams):
            team = Team(f"team{number:04d}", f"Team {number}", POLICY, notify=NotifyPolicy())
            repositories.save_team(session, team, now)
            session.flush()
            members = [
                Member(pid, pid.title(), f"{pid}@example.com", frozenset([role]))
                for role in Role
                for pid in (f"{team.id}-{role.value[0]}{k}" for k in range(2))
            ]
            for member in members:
                repositories.save_member(session, team.id, member)
            for assignment in greedy(team, members, [period(POLICY, i) for i in range(periods)]):
                repositories.add_assignment(session, team.id, assignment, now)
            if number % 100 == 99:
                session.commit()
        session.commit()
    engine.dispose()


def count(url: str, **where: Any) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        query = select(func.count()).select_from(ReminderRow)
        for name, value in where.items():
            query = query.where(getattr(ReminderRow, name) == value)
        result = int(session.exec(query).one())
    engine.dispose()
    return result


def constant_delivery(session: Any, reminder: Any, now: Any, public_url: str = "") -> Delivery:
    """The baseline's stand-in for re-reading the schedule and rendering: a fixed message."""
    return Delivery(reminder.key, Channel.LOG, None, Message("s", "t"), {})


INTERVAL = 30.0


def deliver(
    url: str, at: datetime, mode: str, senders: int, network: float, log_file: Path
) -> dict[str, float]:
    engine = make_engine(url, senders)
    settings = Settings(database_url=url)
    sink: Any = None if mode == "log" else (lambda d: None)
    if mode == "network":
        sink = lambda d: time.sleep(network)  # noqa: E731
    channels = Channels(settings, log_sink=sink)
    original = delivery_module.build_delivery
    if mode == "baseline":
        delivery_module.build_delivery = constant_delivery  # type: ignore[assignment]
    handler = logging.FileHandler(log_file)
    logger = logging.getLogger("rota.reminders")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        clock = RunningClock(at)
        began = time.perf_counter()
        outcome = deliver_due(engine, clock, channels, "bench", senders=senders)
        seconds = time.perf_counter() - began
    finally:
        delivery_module.build_delivery = original
        logger.removeHandler(handler)
        handler.close()
        engine.dispose()
    delays = sorted(outcome.delays)
    return {
        "sent": outcome.sent,
        "seconds": seconds,
        "per_reminder_ms": 1000 * seconds / max(1, outcome.sent),
        "delay_p50": statistics.median(delays) if delays else 0.0,
        "delay_p95": delays[int(0.95 * (len(delays) - 1))] if delays else 0.0,
        "delay_max": delays[-1] if delays else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=5)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--network-ms", type=float, default=20.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rota-bench-"))
    source = work / "seeded.db"
    url = f"sqlite:///{source}"
    began = time.perf_counter()
    seed(url, args.teams, args.periods)
    turns = args.teams * args.periods * 2
    print(f"seeded {args.teams} teams, {turns} turns in {time.perf_counter() - began:.1f} s")

    first_handoff = period(POLICY, 0).start
    planned_at = first_handoff - timedelta(days=2)
    engine = make_engine(url)
    began = time.perf_counter()
    planned, _ = plan_all(engine, StillClock(planned_at), HORIZON)
    first = time.perf_counter() - began
    queued = sum(p.queued for p in planned)
    began = time.perf_counter()
    plan_all(engine, StillClock(planned_at + timedelta(seconds=30)), HORIZON)
    steady = time.perf_counter() - began
    engine.dispose()
    print(
        f"planning, first pass: {first:.2f} s for {len(planned)} teams "
        f"({1000 * first / len(planned):.2f} ms a team), {queued} reminders queued"
    )
    print(
        f"planning, next pass (nothing new): {steady:.3f} s "
        f"({1000 * steady / len(planned):.3f} ms a team)  goal < 3 s: "
        f"{'met' if steady < 3 else 'NOT met'}"
    )

    due_at = period(POLICY, 1).start  # the second handoff, shared by every team
    print(f"due at {due_at.isoformat()}: {count(url, due_at=due_at)} reminders")
    print(
        f"{'run':<9} {'senders':>7} {'sent':>6} {'seconds':>8} {'ms/reminder':>12} "
        f"{'delay p50':>10} {'p95':>8} {'max':>8}  all within {INTERVAL:.0f} s"
    )
    runs = [(mode, n) for mode in ("baseline", "render", "log") for n in (1, args.senders)]
    for mode, senders in [*runs, ("network", args.senders)]:
        copy = work / f"{mode}-{senders}.db"
        shutil.copy(source, copy)
        log_file = work / f"{mode}-{senders}.log"
        figures = deliver(
            f"sqlite:///{copy}", due_at, mode, senders, args.network_ms / 1000, log_file
        )
        print(
            f"{mode:<9} {senders:>7} {figures['sent']:>6.0f} {figures['seconds']:>8.2f} "
            f"{figures['per_reminder_ms']:>12.2f} {figures['delay_p50']:>9.1f}s "
            f"{figures['delay_p95']:>7.1f}s {figures['delay_max']:>7.1f}s  "
            f"{'met' if figures['delay_max'] < INTERVAL else 'NOT met'}"
        )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
