"""Liveness (`/healthz`), readiness (`/readyz`) and the Prometheus metrics (`/metrics`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from api import metrics, repositories
from api.clock import Clock, clock_dependency
from api.database import get_session
from api.problems import problem
from api.readiness import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database reachability")
def healthz(session: Annotated[Session, Depends(get_session)]) -> JSONResponse:
    try:
        repositories.ping(session)
    except SQLAlchemyError as exc:
        body = {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get(
    "/readyz",
    summary="Readiness: database reachable, migrations at head, reminder loop alive",
    responses={503: {"description": "A check failed; the problem names it"}},
)
def readyz(request: Request, clock: Annotated[Clock, Depends(clock_dependency)]) -> JSONResponse:
    loop = getattr(request.app.state, "reminder_loop", None)
    checks = readiness(request.app.state.engine, loop, clock.now())
    listed = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    failed = [c for c in checks if not c.ok]
    if failed:
        detail = "; ".join(f"{c.name}: {c.detail}" for c in failed)
        return problem(503, detail, failed=[c.name for c in failed], checks=listed)
    return JSONResponse({"status": "ready", "checks": listed})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def prometheus(request: Request, clock: Annotated[Clock, Depends(clock_dependency)]) -> Response:
    body = metrics.exposition(request.app.state.engine, clock)
    return Response(body, media_type=metrics.CONTENT_TYPE_LATEST)
