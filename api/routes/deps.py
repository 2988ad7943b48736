"""Dependencies every route module shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlmodel import Session

from api.auth import get_app_settings
from api.clock import Clock, clock_dependency
from api.database import get_session
from api.published import PublishedCache
from api.settings import Settings


def published_of(request: Request) -> PublishedCache:
    """The app's answers from the published plans (set up by `api.app.create_app`)."""
    cache: PublishedCache = request.app.state.published
    return cache


async def get_published(request: Request) -> PublishedCache:
    return published_of(request)


PublishedDep = Annotated[PublishedCache, Depends(get_published)]
SessionDep = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(clock_dependency)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
IfMatch = Annotated[
    str | None,
    Header(description="The resource's ETag as last read: the write is refused (412) if stale."),
]
#: A stored row's id: anything past a 32-bit integer names nothing (and must not reach
#: PostgreSQL, which refuses it with an error rather than an empty answer).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
