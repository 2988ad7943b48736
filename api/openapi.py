"""The OpenAPI document as the contract: every operation lists the error statuses it can answer,
each as `application/problem+json` (the shape `api.problems` writes), decided here in one place
from what the operation takes rather than repeated on every route.

- 401 and 403: the operation needs (or may use) a token.
- 404: it names something (a path parameter, a body referring to teams and members, a feed token).
- 409: it writes (a conflict with the current state: overlaps, the past, a plan that started).
- 412: it takes `If-Match`; 304: it takes `If-None-Match`.
- 400, 413 and 415: it takes a body (that must parse, of a given size and media type).
- 422: it takes any input; 503: every operation (the database busy, or not ready).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import PROBLEM_JSON, TITLES

WRITES = {"post", "put", "patch", "delete"}
METHODS = WRITES | {"get", "head"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error (RFC 9457). `code` names the kind; `field` the input at fault.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["about:blank"]},
        "title": {"type": "string", "examples": ["Not found"]},
        "status": {"type": "integer", "examples": [404]},
        "detail": {"type": "string", "examples": ["no team 'nope'"]},
        "code": {"type": "string", "examples": ["unknown-team"]},
        "field": {"type": "string", "examples": ["until"]},
        "errors": {
            "type": "array",
            "description": "Each input that failed validation (422).",
            "items": {
                "type": "object",
                "required": ["location", "field", "message"],
                "properties": {
                    "location": {"type": "string", "examples": ["query"]},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

DESCRIPTIONS = {
    400: "The body cannot be read (not JSON, or not UTF-8).",
    401: "No bearer token where one is needed, or an unknown, revoked or expired one.",
    403: "The token may not do this (its role, or a team it does not lead).",
    404: "No such team, member or resource (or a feed token that opens no feed).",
    409: "The change conflicts with the current state (overlap, the past, a started plan).",
    412: "`If-Match` names a version that is no longer current: read it again.",
    413: "The body is too large.",
    415: "The body is not of the media type this operation takes.",
    422: "The input is invalid; `field` or `errors` name what.",
    503: "The database is busy or not ready: retry after `Retry-After` seconds.",
}


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from what it takes."""
    parameters = operation.get("parameters", [])
    headers = _headers(operation)
    queries = {p["name"] for p in parameters if p.get("in") == "query"}
    body = operation.get("requestBody")
    statuses = {503}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path or body is not None or queries & {"token", "team", "member"}:
        statuses.add(404)
    if method in WRITES:
        statuses.add(409)
    if "if-match" in headers:
        statuses.add(412)
    if body is not None:
        statuses |= {400, 413, 415}
    if parameters or body is not None:
        statuses.add(422)
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add every operation's error responses, as problem+json, to an OpenAPI document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():  # those a route declared itself
                if status.isdigit() and int(status) >= 400:
                    response["content"] = problem
            for status in sorted(error_statuses(path, method, operation)):
                responses[str(status)] = {
                    "description": DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
                    "content": problem,
                }
            headers = {
                p["name"].lower()
                for p in operation.get("parameters", [])
                if p.get("in") == "header"
            }
            if "if-none-match" in headers:
                responses["304"] = {"description": "Not modified: the `ETag` sent is current."}
    return schema


def _headers(operation: dict[str, Any]) -> set[str]:
    return {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}


def install(app: FastAPI) -> None:
    """Serve the documented schema at `app.openapi_url` (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
