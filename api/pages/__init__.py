"""The web page (SPEC section 7): server-rendered HTML over the same views, core functions and
permission checks as the JSON API, with a small script of our own for refreshing and local
times. Page routes live here, apart from the JSON routes in `api.routes`."""

from __future__ import annotations

from fastapi import FastAPI

from api.pages import actions, explain, home, team
from api.pages.assets import install_assets
from api.pages.session import install_sessions
from api.settings import Settings

__all__ = ["install_pages"]


def install_pages(app: FastAPI, settings: Settings) -> None:
    install_sessions(app, settings)
    install_assets(app)
    for module in (home, team, explain, actions):
        app.include_router(module.router)
