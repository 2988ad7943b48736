"""The page's static files and the API docs, all served from this server: nothing is fetched
from a CDN or a font service, so the page and `/docs` work on a machine without internet."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

STATIC = Path(__file__).parent.parent / "static"
#: Swagger UI and ReDoc as shipped in the fastapi-offline package.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def _version(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: Changes whenever a static file does: pages link `/static/x?v=...`, so browsers may keep a
#: file for a year and still never run an old script against a new page.
STATIC_VERSION = _version(STATIC)


class CachedStatic(StaticFiles):
    """Static files with a long cache lifetime (their links carry the version)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


#: Our pages load only their own files: the browser itself refuses anything from elsewhere.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: Swagger UI and ReDoc start with an inline script and style themselves inline; ReDoc runs a
#: worker from a blob and would show Redocly's logo from their CDN, which this refuses.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return _docs(
        get_swagger_ui_html(
            openapi_url=str(request.app.openapi_url),
            title="Rota API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
            # No badge from the public validator: nothing leaves the server.
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return _docs(
        get_redoc_html(
            openapi_url=str(request.app.openapi_url),
            title="Rota API",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/docs-assets/favicon.png",
            with_google_fonts=False,
        )
    )


def _docs(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response


def install_assets(app: FastAPI) -> None:
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    app.mount("/docs-assets", CachedStatic(directory=DOCS_ASSETS), name="docs-assets")
    app.include_router(router)
