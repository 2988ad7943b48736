"""The reminder loop: one pass plans every team's reminders, then delivers what is due.

`rota serve` runs it on its APScheduler every ROTA_REMINDER_INTERVAL seconds (unless
ROTA_REMINDERS_ENABLED is false); `rota worker` runs it alone. Any number of processes may run
it on one database: planning takes turns per team, delivery claims each reminder.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from api import repository
from api.clock import Clock
from api.reminders.channels import Channels
from api.reminders.delivery import Delivered, deliver_due
from api.reminders.planner import Planned, Raced, plan_team
from api.settings import Settings
from api.slack.loop import schedule_slack

log = logging.getLogger("rota.reminders")


def show_reminder_log() -> None:
    """Write the `rota.reminders` log (the log channel, retries, failures) to stderr at INFO,
    once: `rota serve` and `rota worker` call this; the default log channel must be seen."""
    logger = logging.getLogger("rota.reminders")
    if not logger.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (as logging's last resort does),
    not to the stream of the moment it was made."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def worker_name() -> str:
    """Who claims: host, process and a random part, unique per loop."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PassReport:
    planned: list[Planned] = field(default_factory=list)
    raced: int = 0
    delivered: Delivered = field(default_factory=Delivered)


def plan_all(engine: Engine, clock: Clock, horizon: timedelta) -> tuple[list[Planned], int]:
    """Plan every team's reminders, one transaction per team. A team another process is
    planning at the same moment is left to it (it took the team first, or the database broke a
    deadlock or lock timeout between them); the next pass looks again."""
    with Session(engine) as session:
        teams = repository.list_teams(session)
    planned: list[Planned] = []
    raced = 0
    for team in teams:
        with Session(engine) as session:
            try:
                planned.append(plan_team(session, team, clock.now(), horizon))
                session.commit()
            except (Raced, IntegrityError):
                session.rollback()
                raced += 1
                log.info("team %s: another process planned its reminders first", team.id)
            except OperationalError as exc:
                session.rollback()
                raced += 1
                log.warning("team %s: reminders not planned this pass: %s", team.id, exc.orig)
    return planned, raced


def run_pass(
    engine: Engine, clock: Clock, settings: Settings, channels: Channels, worker: str
) -> PassReport:
    """One pass: plan, then deliver."""
    planned, raced = plan_all(engine, clock, timedelta(days=settings.reminder_horizon_days))
    delivered = deliver_due(engine, clock, channels, worker, settings.public_url)
    return PassReport(planned, raced, delivered)


def schedule_reminders(
    scheduler: BaseScheduler, engine: Engine, clock: Clock, settings: Settings
) -> None:
    """Add the reminder loop to `scheduler`: a pass every `reminder_interval` seconds; a slow
    pass is never run twice at the same time in one process."""
    channels = Channels(settings)
    worker = worker_name()
    scheduler.add_job(
        run_pass,
        "interval",
        args=(engine, clock, settings, channels, worker),
        seconds=settings.reminder_interval,
        id="reminders",
        coalesce=True,
        max_instances=1,
    )
    # Slack's user groups and handoff posts follow the same schedule, on the same loop.
    schedule_slack(scheduler, engine, clock, settings, worker)
