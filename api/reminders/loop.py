"""The reminder loop: planning (every team's reminders, from its published schedule) and
delivery (what is due, `ROTA_REMINDER_SENDERS` at a time) as two jobs, so a long planning pass
never holds up a reminder that is due.

`rota serve` runs both on its APScheduler every ROTA_REMINDER_INTERVAL seconds (unless
ROTA_REMINDERS_ENABLED is false); `rota worker` runs them alone. Any number of processes may run
them on one database: planning takes turns per team, delivery claims each reminder.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from api import metrics, repositories
from api.clock import Clock
from api.reminders.channels import Channels
from api.reminders.control import LoopControl
from api.reminders.delivery import Delivered, deliver_due
from api.reminders.planner import Planned, Raced, needs_planning, plan_team
from api.repositories import reminder_planning
from api.settings import Settings
from api.slack.loop import schedule_slack

log = logging.getLogger("rota.reminders")


def worker_name() -> str:
    """Who claims: host, process and a random part, unique per loop."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PassReport:
    planned: list[Planned] = field(default_factory=list)
    raced: int = 0
    delivered: Delivered = field(default_factory=Delivered)


def plan_all(
    engine: Engine, clock: Clock, horizon: timedelta, *, email: bool = True
) -> tuple[list[Planned], int]:
    """Plan every team's reminders, one transaction per team (without `email`, reminders asked
    for by email go to the log). A team another process is planning at the same moment is left
    to it (it took the team first, or the database broke a deadlock or lock timeout between
    them); the next pass looks again. Teams that did not change and whose window reaches no
    new period are skipped: which ones, three statements tell, whatever the number of teams."""
    now = clock.now()
    with Session(engine) as session:
        # The revisions first: a write landing after this read is planned on the next pass.
        revisions = repositories.team_revisions(session)
        states = reminder_planning.planned_states(session)
        teams = [
            team
            for team in repositories.list_teams(session)
            if team.id in revisions
            and needs_planning(team, revisions[team.id], states.get(team.id), now, horizon)
        ]
    planned: list[Planned] = []
    raced = 0
    for team in teams:
        with Session(engine) as session:
            try:
                planned.append(
                    plan_team(
                        session,
                        team,
                        clock.now(),
                        horizon,
                        email=email,
                        team_revision=revisions[team.id],
                    )
                )
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
    engine: Engine,
    clock: Clock,
    settings: Settings,
    channels: Channels,
    worker: str,
    stop: threading.Event | None = None,
) -> PassReport:
    """One pass of both jobs, one after the other (`rota worker --once`): plan, then deliver
    (until `stop` is set, if given)."""
    planned, raced = plan(engine, clock, settings)
    delivered = deliver(engine, clock, settings, channels, worker, stop)
    return PassReport(planned, raced, delivered)


def plan(engine: Engine, clock: Clock, settings: Settings) -> tuple[list[Planned], int]:
    """`plan_all` with the horizon and mail server of `settings`."""
    horizon = timedelta(days=settings.reminder_horizon_days)
    return plan_all(engine, clock, horizon, email=bool(settings.smtp_host))


def deliver(
    engine: Engine,
    clock: Clock,
    settings: Settings,
    channels: Channels,
    worker: str,
    stop: threading.Event | None = None,
) -> Delivered:
    """`deliver_due` with the public URL and senders of `settings`."""
    return deliver_due(
        engine, clock, channels, worker, settings.public_url, stop, settings.reminder_senders
    )


def _planning_pass(control: LoopControl, engine: Engine, clock: Clock, settings: Settings) -> None:
    if control.stopping.is_set():
        return
    with _beating(control, clock, "planning"):
        plan(engine, clock, settings)


def _delivery_pass(
    control: LoopControl,
    engine: Engine,
    clock: Clock,
    settings: Settings,
    channels: Channels,
    worker: str,
) -> None:
    if control.stopping.is_set():
        return
    with _beating(control, clock, "delivery"):
        deliver(engine, clock, settings, channels, worker, control.stopping)


@contextmanager
def _beating(control: LoopControl, clock: Clock, part: str) -> Iterator[None]:
    """A job's pass as the scheduler runs it: beating for `/readyz`, timed for `/metrics`."""
    control.beat(clock.now())
    started = time.perf_counter()
    try:
        yield
    finally:
        metrics.reminder_passes.labels(part).observe(time.perf_counter() - started)
        control.passes += 1
        control.beat(clock.now())


def schedule_reminders(
    scheduler: BaseScheduler, engine: Engine, clock: Clock, settings: Settings
) -> LoopControl:
    """Add the reminder loop's two jobs to `scheduler`, each a pass every `reminder_interval`
    seconds. Return their control: stop it before shutting the scheduler down (waiting), so the
    messages in hand are finished."""
    if not settings.smtp_host:
        log.info("ROTA_SMTP_HOST is not set: reminders asked for by email go to the log")
    channels = Channels(settings)
    control = LoopControl(timedelta(seconds=settings.reminder_interval), clock.now())
    worker = worker_name()
    # Two jobs, each never run twice at once in one process: delivery does not wait for a
    # planning pass (1,000 teams, one of them changed) to end.
    every = {"trigger": "interval", "seconds": settings.reminder_interval}
    scheduler.add_job(
        _planning_pass,
        args=(control, engine, clock, settings),
        id="reminders-planning",
        coalesce=True,
        max_instances=1,
        **every,
    )
    scheduler.add_job(
        _delivery_pass,
        args=(control, engine, clock, settings, channels, worker),
        id="reminders-delivery",
        coalesce=True,
        max_instances=1,
        **every,
    )
    # Slack's user groups and handoff posts follow the same schedule, on the same loop.
    schedule_slack(scheduler, engine, clock, settings, worker)
    return control
