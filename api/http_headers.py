"""HTTP details every response shares: HEAD, the Date header, conditional and gzip requests.

- HEAD is answered like GET without the body (RFC 9110 9.3.2), by every GET route.
- `Date` comes from the app's clock, the same one that stamps `Last-Modified`, so that a
  `Last-Modified` is never later than the `Date` beside it (RFC 9110 8.8.2). `rota serve` turns
  uvicorn's own Date off, which runs up to a second behind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Appended to a feed's ETag for its gzipped representation.
GZIP_SUFFIX = "-gzip"


def http_date(at: datetime) -> str:
    """`at` as an HTTP date (IMF-fixdate), to the second below."""
    return format_datetime(at.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified_since(if_modified_since: str | None, modified: datetime) -> bool:
    """Whether `If-Modified-Since` holds a date the resource has not changed since; a header
    that is not a valid date is ignored (RFC 9110 13.1.3)."""
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return modified.replace(microsecond=0) <= since


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` lets gzip through (and not with `q=0`)."""
    for item in (accept_encoding or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower().removeprefix("q=")
        try:
            return not params or float(quality) > 0
        except ValueError:
            return False
    return False


class HttpBasics:
    """ASGI middleware: HEAD as GET without a body, and `Date` from the app's clock."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        clock: Any = getattr(scope["app"].state, "clock", None)

        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start" and clock is not None:
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"date" for name, _ in headers):
                    headers.append((b"date", http_date(clock.now()).encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, respond)
