"""The process's log: plain lines or, with ROTA_LOG_FORMAT=json, one JSON object per line.

Each HTTP request gets a request id: the client's `X-Request-ID` when it sends a usable one, a
new one otherwise. It is echoed in the response's `X-Request-ID` header and carried by every log
record written while the request is served (the access line included), so one id finds
everything a request did across a load balancer, the replicas and their logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.settings import Settings

__all__ = ["REQUEST_ID_HEADER", "JsonFormatter", "RequestContext", "configure_logging"]

REQUEST_ID_HEADER = "X-Request-ID"
#: What a client's id may look like to be kept: no spaces, quotes or control characters.
_USABLE_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("rota.access")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id,
    the access fields of an access line, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        for key in ("method", "path", "route", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (as logging's last resort does),
    not to the stream of the moment it was made: test runners swap it."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(settings: Settings) -> None:
    """Send every logger (Rota's, uvicorn's, APScheduler's) through one stderr handler in the
    format and at the level of `settings`. Called once by `rota serve` and `rota worker`."""
    handler = _Stderr()
    handler.addFilter(_RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("rota", "rota.reminders", "uvicorn", "uvicorn.error", "apscheduler"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
    # Rota writes its own access line (with the request id and route): uvicorn's would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
    # The schema upgrade of each start and the scheduler's every job run say so at INFO: only
    # their problems are worth a line.
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def _client_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _USABLE_ID.fullmatch(text) else None
    return None


class RequestContext:
    """ASGI middleware: the request id (kept or made, then echoed) and the access log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _client_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            access_log.info(
                "%s %s %s %.1f ms",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            request_id.reset(token)
