"""`GET /v1/audit`: the audit log, newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from api import views
from api.auth import Reader
from api.database import get_session
from api.repositories.audit import DEFAULT_LIMIT, MAX_LIMIT
from api.schemas.audit import AuditPagePublic

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPagePublic)
def list_audit(
    session: Annotated[Session, Depends(get_session)],
    _: Reader,
    team: Annotated[str | None, Query(description="Only this team's entries.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    before: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Only entries older than this id (a page's `next`)."),
    ] = None,
) -> AuditPagePublic:
    """The audit log, newest first, a page at a time."""
    return views.audit_page(session, team, limit, before)
