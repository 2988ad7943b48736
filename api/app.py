"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api import metrics, problems, repositories
from api.clock import Clock, SystemClock
from api.concurrency import lock_team
from api.database import open_database
from api.feeds.render import RenderCache
from api.logging_setup import RequestContext
from api.pages import install_pages
from api.planning import extend_plan, needs_extension
from api.reminders.loop import schedule_reminders
from api.routes import (
    audit,
    feeds,
    health,
    overrides,
    reminders,
    support,
    swaps,
    teams,
    time_off,
    time_off_import,
    tokens,
)
from api.settings import Settings, get_settings
from api.slack import commands as slack_commands
from api.slack import routes as slack_routes
from rotation import Budget

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the app. The database is opened (and its schema upgraded) when the app starts."""
    settings = settings or get_settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_database(settings.database_url)
        app.state.engine = engine
        extend_plans(engine, clock, settings.budget)
        # Time moves on while a server runs: keep every plan reaching a year ahead.
        scheduler = BackgroundScheduler(timezone=UTC)
        schedule_plan_extension(scheduler, engine, clock, settings.budget)
        app.state.reminder_loop = None
        if settings.reminders_enabled:
            app.state.reminder_loop = schedule_reminders(scheduler, engine, clock, settings)
        scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            # Requests in flight are answered by now (uvicorn drains them on SIGTERM before
            # this runs); the reminder pass under way finishes the message it is sending.
            if app.state.reminder_loop is not None:
                app.state.reminder_loop.stop()
            scheduler.shutdown(wait=True)
            engine.dispose()

    app = FastAPI(
        title="Rota",
        summary="Fair developer-on-support rotations: who is on support, now or at any instant.",
        version="0.1.0",
        lifespan=lifespan,
        # Served from local files by `api.pages` (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock
    # Rendered feeds by ETag: clients without If-None-Match get unchanged feeds unrendered.
    app.state.feed_cache = RenderCache()
    problems.install(app)
    app.add_middleware(metrics.HttpMetrics)
    app.add_middleware(RequestContext)  # outermost: its request id is on every record
    for module in (
        health,
        support,
        teams,
        time_off,
        overrides,
        swaps,
        feeds,
        time_off_import,
        audit,
        tokens,
        reminders,
        slack_routes,
        slack_commands,
    ):
        app.include_router(module.router)
    install_pages(app, settings)
    return app


def schedule_plan_extension(
    scheduler: BaseScheduler, engine: Engine, clock: Clock, budget: Budget
) -> None:
    """Keep every plan reaching its horizon while time moves on: an hourly job."""
    scheduler.add_job(
        extend_plans,
        "interval",
        args=(engine, clock, budget),
        hours=1,
        id="extend-plans",
        coalesce=True,
        max_instances=1,
    )


def extend_plans(engine: Engine, clock: Clock, budget: Budget | None = None) -> None:
    """Make every team's plan reach its horizon again, one team per transaction.

    Several replicas may race to extend the same team: the loser's insert breaks the slot's
    unique constraint, is rolled back, and finds the plan extended on its next pass.
    """
    with Session(engine) as session:
        team_ids = [team.id for team in repositories.list_teams(session)]
    for team_id in team_ids:
        with Session(engine) as session:
            try:
                if not needs_extension(session, team_id, clock.now()):
                    continue
                lock_team(session, team_id)  # like every write: an API edit waits for it
                if extend_plan(session, team_id, clock.now(), budget):
                    session.commit()
            except IntegrityError:
                session.rollback()
                log.info("team %s: another process extended the plan first", team_id)
