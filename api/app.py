"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api import problems, repository
from api.clock import Clock, SystemClock
from api.database import open_database
from api.planning import refresh_plan
from api.routes import health, support, teams
from api.settings import Settings, get_settings


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the app. The database is opened (and its schema upgraded) when the app starts."""
    settings = settings or get_settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_database(settings.database_url)
        app.state.engine = engine
        extend_plans(engine, clock)
        yield
        engine.dispose()

    app = FastAPI(
        title="Rota",
        summary="Fair developer-on-support rotations: who is on support, now or at any instant.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    problems.install(app)
    for module in (health, support, teams):
        app.include_router(module.router)
    return app


def extend_plans(engine: Engine, clock: Clock) -> None:
    """Make every team's plan reach its horizon again (time moves on while a server runs)."""
    with Session(engine) as session:
        for team in repository.list_teams(session):
            refresh_plan(session, team.id, clock.now())
        session.commit()
