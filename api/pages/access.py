"""Who is looking at a page, checked with the same rules as the API (`api.auth`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.auth import get_app_settings
from api.database import get_session
from api.pages.session import page_principal
from api.principals import Principal
from api.settings import Settings
from rotation import require_aware
from rotation.errors import InvalidReference


def page_viewer(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
) -> Principal | None:
    """The signed-in principal (or None), kept on the request for the templates."""
    principal = page_principal(request, session)
    request.state.principal = principal
    return principal


Viewer = Annotated[Principal | None, Depends(page_viewer)]


def may_read_support(principal: Principal | None, settings: Settings) -> bool:
    """The API's `SupportReader`: any token, or anybody when ROTA_ANONYMOUS_READ is on."""
    return principal is not None or settings.anonymous_read


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def parse_instant(field: str, text: str) -> datetime:
    """An instant typed into a page (`2027-03-01T10:00Z`): ISO 8601 with its offset."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidReference(
            field, f"{text!r} is not an instant; write e.g. 2027-03-01T10:00Z"
        ) from None
    return require_aware(field, value)
