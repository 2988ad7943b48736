"""Errors as `application/problem+json` (RFC 9457), mapped in this one place.

Only known error types are mapped. Anything else is a bug and surfaces as a plain 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from rotation import (
    AlreadyExists,
    BeyondPlan,
    InvalidCalendar,
    InvalidFeedScope,
    InvalidInterval,
    InvalidMember,
    InvalidPolicy,
    NaiveDatetime,
    OutOfRange,
    PolicyLocked,
    RotationError,
    TeamFileError,
    UnknownMember,
    UnknownTeam,
    WindowTooLong,
)
from rotation.errors import (
    InvalidNotify,
    InvalidReference,
    NotOpen,
    NoTurnAt,
    Overlaps,
    ReminderNotResendable,
    StaleVersion,
    TouchesPast,
    Unavailable,
    UnknownReminder,
    UnknownResource,
)
from rotation.teamfile import TeamFilesError

PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

STATUS_OF: Sequence[tuple[type[RotationError], int]] = (
    (UnknownTeam, 404),
    (UnknownMember, 404),
    (UnknownResource, 404),
    (Overlaps, 409),
    (Unavailable, 409),
    (TouchesPast, 409),
    (NotOpen, 409),
    (StaleVersion, 412),
    (InvalidReference, 422),
    (UnknownReminder, 404),
    (ReminderNotResendable, 409),
    (AlreadyExists, 409),
    (PolicyLocked, 409),
    (BeyondPlan, 422),
    (NoTurnAt, 422),
    (NaiveDatetime, 422),
    (OutOfRange, 422),
    (WindowTooLong, 422),
    (InvalidInterval, 422),
    (InvalidPolicy, 422),
    (InvalidMember, 422),
    (InvalidNotify, 422),
    (InvalidCalendar, 422),
    (InvalidFeedScope, 422),
    (TeamFileError, 422),
    (TeamFilesError, 422),
)

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    503: "Service unavailable",
}


def problem(
    status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status}
    body["detail"] = detail
    body.update(extra)
    sent = dict(headers or {})
    if status == 401:
        sent.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=sent or None)


def _code(error: Exception) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(error).__name__).lower()


async def rotation_error(request: Request, error: Exception) -> JSONResponse:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            extra: dict[str, Any] = {"code": _code(error)}
            field = getattr(error, "field", None)
            if field:
                extra["field"] = field
            return problem(status, str(error), **extra)
    raise error  # an unmapped RotationError is a bug: let it be a 500


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [_describe(item) for item in error.errors()]
    detail = "; ".join(
        f"{e['location']} {e['field']!r}: {e['message']}"
        if e["field"]
        else f"{e['location']}: {e['message']}"
        for e in errors
    )
    return problem(422, detail or "invalid request", errors=errors)


def _describe(item: Any) -> dict[str, str]:
    location, *path = item.get("loc", ("request",))
    if item.get("type") == "json_invalid":
        return {"location": "body", "field": "", "message": f"not valid JSON: {item.get('msg')}"}
    # Union members add their type name to the path; a person wants the field's name.
    names = [str(p) for p in path if not str(p).startswith(("function-", "date", "datetime"))]
    field = ".".join(names) or str(location)
    return {"location": str(location), "field": field, "message": str(item.get("msg"))}


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    # Keep the headers the error carries (a 429's wait); a 405 lists every method of the path
    # (RFC 9110 15.5.6), where Starlette names only those of the first route that matched it.
    headers = dict(error.headers or {})
    if error.status_code == 405 and (documented := allowed_methods(request)):
        headers["Allow"] = ", ".join(documented)
    return problem(error.status_code, str(error.detail), headers)


def allowed_methods(request: Request) -> list[str]:
    """The methods the API documents at this request's path (HEAD with GET, as Starlette
    answers it); none for a path the OpenAPI document does not list."""
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods.update(m.upper() for m in item if m in HTTP_METHODS)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def database_busy(request: Request, error: Exception) -> JSONResponse:
    """SQLite serialises writers: one that waited past the busy timeout (another long change,
    such as a re-plan, held the write lock) may simply retry. Any other database error is a
    bug and stays a 500."""
    assert isinstance(error, OperationalError)
    if "database is locked" not in str(error.orig):
        raise error
    response = problem(503, "the database is busy with another change; retry in a few seconds")
    response.headers["Retry-After"] = "5"
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(RotationError, rotation_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_busy)
