"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC

from anyio import to_thread
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api import metrics, openapi, problems, repositories
from api.admission import RequestLimit
from api.clock import Clock, SystemClock
from api.concurrency import lock_team
from api.database import open_database
from api.feeds.copies import Copies
from api.http_headers import HttpBasics
from api.logging_setup import RequestContext
from api.pages import install_pages
from api.planning import extend_plan, falls_short
from api.published import PublishedCache
from api.reminders.loop import schedule_reminders
from api.routes import (
    audit,
    explain,
    feeds,
    health,
    interrupts,
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
from rotation import Budget, UnknownTeam

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the app. The database is opened (and its schema upgraded) when the app starts."""
    settings = settings or get_settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_database(settings.database_url, settings.threads + settings.reminder_senders)
        app.state.engine = engine
        # Blocking routes run on anyio's worker threads: as many as the pool has connections for.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
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
    # Rendered feeds by tag: a feed is rendered once for all its clients (`api.feeds.copies`).
    app.state.feed_copies = Copies()
    # Who is on support, kept per team version (`api.published`).
    app.state.published = PublishedCache()
    problems.install(app)
    # Innermost: a request waiting for its turn is timed and logged like one being answered.
    app.add_middleware(RequestLimit, limit=settings.threads)
    app.add_middleware(HttpBasics)
    app.add_middleware(metrics.HttpMetrics)
    app.add_middleware(RequestContext)  # outermost: its request id is on every record
    # A request is matched against the routes in this order: the most polled come first
    # (the health probes, the feeds calendar clients poll, who is on support).
    for module in (
        health,
        feeds,
        support,
        explain,
        teams,
        time_off,
        overrides,
        swaps,
        time_off_import,
        audit,
        tokens,
        reminders,
        interrupts,
        slack_routes,
        slack_commands,
    ):
        app.include_router(module.router)
    install_pages(app, settings)
    openapi.install(app)
    return app


def worker_app() -> FastAPI:
    """The app of one `rota serve --workers N` process: settings from the environment."""
    from api.logging_setup import configure_logging

    settings = Settings()
    configure_logging(settings)
    return create_app(settings)


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
    """Make every team's plan reach its horizon again, one team per transaction. Which teams
    fall short is read in two statements whatever their number (start-up with many teams).

    Several replicas may race to extend the same team: the loser's insert breaks the slot's
    unique constraint, is rolled back, and finds the plan extended on its next pass.
    """
    with Session(engine) as session:
        ends = repositories.plan_ends(session)
        short = [
            team.id
            for team in repositories.list_teams(session)
            if falls_short(team, ends.get(team.id), clock.now())
        ]
    for team_id in short:
        with Session(engine) as session:
            try:
                lock_team(session, team_id)  # like every write: an API edit waits for it
                if extend_plan(session, team_id, clock.now(), budget):
                    session.commit()
            except UnknownTeam:
                session.rollback()  # deleted meanwhile
            except IntegrityError:
                session.rollback()
                log.info("team %s: another process extended the plan first", team_id)
