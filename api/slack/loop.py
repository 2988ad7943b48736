"""The Slack pass: plan every Slack-enabled team's jobs, then make the calls that are due.

It runs on the reminder loop's APScheduler (`api.reminders.loop.schedule_reminders` adds it),
every ROTA_REMINDER_INTERVAL seconds, in `rota serve` and `rota worker` alike; any number of
processes may run it on one database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from api import repositories
from api.clock import Clock
from api.repositories import slack as store
from api.settings import Settings
from api.slack.delivery import SlackDelivered, deliver_slack
from api.slack.planner import Planned, plan_team

log = logging.getLogger("rota.slack")


@dataclass
class SlackPass:
    planned: list[Planned] = field(default_factory=list)
    raced: int = 0
    delivered: SlackDelivered = field(default_factory=SlackDelivered)


def plan_slack(engine: Engine, clock: Clock) -> tuple[list[Planned], int]:
    """Plan each team's Slack jobs in a transaction of its own; a team another process
    planned at the same moment is left to it."""
    with Session(engine) as session:
        configured = store.all_settings(session)
    planned: list[Planned] = []
    raced = 0
    for team_id, settings in configured.items():
        with Session(engine) as session:
            try:
                team = repositories.get_team(session, team_id)
                planned.append(plan_team(session, team, settings, clock.now()))
                session.commit()
            except IntegrityError:
                session.rollback()
                raced += 1
                log.info("team %s: another process planned its Slack jobs first", team_id)
            except OperationalError as exc:
                session.rollback()
                raced += 1
                log.warning("team %s: Slack jobs not planned this pass: %s", team_id, exc.orig)
    return planned, raced


def run_slack_pass(engine: Engine, clock: Clock, settings: Settings, worker: str) -> SlackPass:
    planned, raced = plan_slack(engine, clock)
    delivered = deliver_slack(engine, clock, settings.slack_api_url, worker)
    return SlackPass(planned, raced, delivered)


def schedule_slack(
    scheduler: BaseScheduler, engine: Engine, clock: Clock, settings: Settings, worker: str
) -> None:
    scheduler.add_job(
        run_slack_pass,
        "interval",
        args=(engine, clock, settings, worker),
        seconds=settings.reminder_interval,
        id="slack",
        coalesce=True,
        max_instances=1,
    )
