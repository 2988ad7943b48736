"""At most as many requests in flight as the process has threads for them; the rest wait.

A request takes one database connection with its session (`api.database.get_session`) and keeps
it between the thread hops of its dependencies and its route. Let more requests in than there
are connections and each hop can find every connection held by requests that wait for a thread,
while every thread waits for a connection: nothing moves until the pool times out. Admitting
`ROTA_THREADS` requests at a time (the pool holds a connection for each) rules that out; the
others queue here, in the order they came, at the cost of a few bytes each.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class RequestLimit:
    """ASGI middleware: `limit` HTTP requests at a time, first come first served."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        # Made on first use, inside the server's event loop.
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
