"""The page's templates and the filters they format times with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from api.pages.assets import PAGE_POLICY, STATIC_VERSION
from api.pages.session import csrf_token

TEMPLATES = Path(__file__).parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)


def local(value: datetime | None, zone: str = "UTC", fmt: str = "%a %d %b %H:%M") -> str:
    """`value` as wall time in `zone`, with the zone's abbreviation (CET, CEST, UTC ...)."""
    if value is None:
        return "-"
    moment = value.astimezone(ZoneInfo(zone))
    return f"{moment.strftime(fmt)} {moment.tzname()}"


def iso(value: datetime | None) -> str:
    """A machine-readable instant for `<time datetime=...>` (the script reads it)."""
    return "" if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


templates.env.filters["local"] = local
templates.env.filters["iso"] = iso
templates.env.globals["static_version"] = STATIC_VERSION
# Smaller pages: no blank lines where template tags stood.
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render template `name` with what every page needs: the signed-in principal and the
    session's CSRF token for its forms."""
    full = {"csrf": csrf_token(request), "principal": request.state.principal, **context}
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response
