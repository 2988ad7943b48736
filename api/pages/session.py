"""The web page's session: the signed cookie that says who signed in, and its CSRF token.

The cookie (Starlette's SessionMiddleware, signed with itsdangerous) holds the SHA-256 hash of
the API token a person signed in with, never the token itself, and a random CSRF token that
every form of the page carries back in a hidden field.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, HTTPException, Request
from sqlmodel import Session
from starlette.middleware.sessions import SessionMiddleware

from api.auth import SESSION_TOKEN
from api.clock import get_clock
from api.principals import Principal, hash_token
from api.repositories.tokens import find_token_by_hash
from api.settings import Settings

log = logging.getLogger(__name__)

CSRF = "csrf"
COOKIE = "rota_session"
#: A signed-in session lasts a working week; signing in again is one paste.
MAX_AGE = 5 * 24 * 3600


class InsecureSessionSecret(RuntimeError):
    """Serving beyond this machine without ROTA_SESSION_SECRET: sessions could be forged."""


def install_sessions(app: FastAPI, settings: Settings) -> None:
    secret = settings.session_secret
    if secret is None:
        if not settings.development:
            raise InsecureSessionSecret(
                "ROTA_SESSION_SECRET is not set: give it a random value of at least 32 "
                "characters (every replica the same), e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`"
            )
        # Development: sessions last as long as this process.
        log.info("no ROTA_SESSION_SECRET: web sessions end when this process stops")
        secret = secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=COOKIE,
        max_age=MAX_AGE,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[CSRF] = token
    return token


def check_csrf(request: Request, sent: str) -> None:
    """Refuse a form whose CSRF token is not this session's (a form posted by another site)."""
    expected = request.session.get(CSRF)
    if not isinstance(expected, str) or not secrets.compare_digest(expected, sent):
        raise HTTPException(403, "this form is out of date or came from another site: reload")


def page_principal(request: Request, session: Session) -> Principal | None:
    """Who signed in to the page, if anyone (a revoked token signs them out)."""
    stored = request.session.get(SESSION_TOKEN)
    if not isinstance(stored, str):
        return None
    principal = find_token_by_hash(session, stored, get_clock(request).now())
    if principal is None:
        request.session.pop(SESSION_TOKEN, None)
    return principal


def sign_in(request: Request, session: Session, secret: str) -> Principal | None:
    """Start a fresh session for the token `secret`; None if it is unknown, revoked or expired."""
    principal = find_token_by_hash(session, hash_token(secret.strip()), get_clock(request).now())
    if principal is not None:
        request.session.clear()  # a new session on sign-in: nothing carried over
        request.session[SESSION_TOKEN] = hash_token(secret.strip())
    return principal


def sign_out(request: Request) -> None:
    request.session.clear()
