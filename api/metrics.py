"""Prometheus metrics: what the service counts, and the plan read at scrape time.

Counters and histograms live in prometheus-client's default registry and are moved by small
hooks (the HTTP middleware here, reminder delivery, the solver's call site). `days of plan left`
is read from the database when `/metrics` is scraped, so it is right on every replica.

Several worker processes behind one port (uvicorn `--workers`, gunicorn) each count apart:
start them with PROMETHEUS_MULTIPROC_DIR naming an empty directory, and prometheus-client writes
every process's values there and `/metrics` adds them up (its multiprocess mode).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.clock import Clock
from api.repositories.plans import plan_ends
from rotation import Channel, Solve

__all__ = [
    "CONTENT_TYPE_LATEST",
    "HttpMetrics",
    "PlanCollector",
    "exposition",
    "reminder_failed",
    "reminder_sent",
    "serve_metrics",
    "solver_ran",
]

UNMATCHED = "unmatched"

http_requests = Counter(
    "rota_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
http_duration = Histogram(
    "rota_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
reminders_sent = Counter(
    "rota_reminders_sent_total", "Reminders delivered, by channel.", ["channel"]
)
reminders_failed = Counter(
    "rota_reminders_failed_total",
    "Reminders given up on after their last attempt, by channel.",
    ["channel"],
)
reminder_delay = Histogram(
    "rota_reminder_delay_seconds",
    "From a reminder's due time to its delivery, by channel.",
    ["channel"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600),
)
reminder_passes = Histogram(
    "rota_reminder_pass_duration_seconds",
    "Time of one reminder pass, by part (planning, delivery: two jobs); its count is the passes "
    "run.",
    ["part"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
slack_jobs = Counter(
    "rota_slack_jobs_total",
    "Slack Web API jobs (user group syncs, handoff posts) by kind and outcome: sent, retried "
    "(a 429 or a 5xx, tried again later), failed (given up) or cancelled (no longer needed).",
    ["kind", "outcome"],
)
solver_runs = Counter(
    "rota_solver_runs_total",
    "Plans computed, by method (cp-sat, greedy, fixed).",
    ["method"],
)
solver_duration = Histogram(
    "rota_solver_duration_seconds",
    "Time the scheduler took for one plan, by method.",
    ["method"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)


def reminder_sent(channel: Channel, delay_seconds: float) -> None:
    reminders_sent.labels(channel.value).inc()
    reminder_delay.labels(channel.value).observe(max(0.0, delay_seconds))


def reminder_failed(channel: Channel) -> None:
    reminders_failed.labels(channel.value).inc()


def slack_job_done(kind: str, outcome: str) -> None:
    slack_jobs.labels(kind, outcome).inc()


def solver_ran(solve: Solve) -> None:
    solver_runs.labels(solve.method).inc()
    solver_duration.labels(solve.method).observe(solve.seconds)


class PlanCollector(Collector):
    """`rota_plan_days_left{team}`: days from now to the end of each team's published plan,
    read with one query when scraped."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "rota_plan_days_left",
            "Days from now to the end of the team's published plan (negative: it ended).",
            labels=["team"],
        )
        now = self.clock.now()
        with Session(self.engine) as session:
            ends = plan_ends(session)
        for team_id, end in ends.items():
            family.add_metric([team_id], (end - now).total_seconds() / 86400)
        yield family


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def exposition(engine: Engine, clock: Clock) -> bytes:
    """The text `/metrics` answers: this process's (or, in multiprocess mode, every process's)
    counters and histograms, then the plan read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    plans = CollectorRegistry(auto_describe=False)
    plans.register(PlanCollector(engine, clock))
    return generate_latest(counted) + generate_latest(plans)


def serve_metrics(port: int, engine: Engine, clock: Clock) -> None:
    """Serve `exposition` on `port` from a thread (for `rota worker`, which has no HTTP API)."""

    class Scrape(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(engine, clock)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE_LATEST)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds would drown the reminder log

    server = ThreadingHTTPServer(("0.0.0.0", port), Scrape)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()


class HttpMetrics:
    """ASGI middleware counting each HTTP request by its route template (`/v1/teams/{team}`,
    never the raw path: one series per route, not per team or token)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"]
            http_requests.labels(method, route, str(status)).inc()
            http_duration.labels(method, route).observe(time.perf_counter() - started)
