"""Browser-facing routes outside ``/client/v1``: ``/``, ``/dashboard``, ``/docs``, ``/redoc``
and the static files behind them (no key needed: they hold no data; the dashboard reads
everything through the public API with the key the user gives it)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from os import PathLike
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from orchestrator.envelope import ok
from orchestrator.security_headers import HTML_CSP

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
DASHBOARD_INDEX = STATIC_DIR / "dashboard" / "index.html"
# Browsers revalidate (a cheap 304 with the ETag) instead of running a stale dashboard
# after an upgrade; the files carry no version in their names.
REVALIDATE = {"Cache-Control": "no-cache"}
# The dashboard holds an API key in sessionStorage: only its own scripts may run, and
# it may talk only to its own origin. Its charts are SVG built through the DOM.
DASHBOARD_HEADERS = {
    **REVALIDATE,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
LINKS = {
    "dashboard": "/dashboard",
    "docs": "/docs",
    "redoc": "/redoc",
    "openapi": "/openapi.json",
    "api": "/client/v1",
    "graphql": "/graphql/explorer",
}

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


class _RevalidatedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update({**REVALIDATE, "X-Content-Type-Options": "nosniff"})
        return response


@router.get("/")
def index(request: Request) -> Response:
    """Where to go from here: a page of links for a browser, JSON for everyone else."""
    if "text/html" in request.headers.get("accept", ""):
        items = "".join(f'<li><a href="{url}">{name}</a></li>' for name, url in LINKS.items())
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Gauntlet</title>"
            f"<h1>Gauntlet</h1><ul>{items}</ul>"
        )
    return ok({"name": "Gauntlet", "links": LINKS})


@router.get("/dashboard")
def dashboard() -> Response:
    return FileResponse(DASHBOARD_INDEX, media_type="text/html", headers=DASHBOARD_HEADERS)


@router.get("/dashboard/")
def dashboard_slash() -> Response:
    # The page resolves its assets and the API relative to /dashboard.
    return RedirectResponse("/dashboard", status_code=308)


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    app = request.app
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} — API docs",
        swagger_js_url=f"{STATIC_PREFIX}/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_PREFIX}/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_PREFIX}/favicon.svg",
        # No call to the public validator service: the docs must work air-gapped.
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    )
    page.headers["Content-Security-Policy"] = _with_inline_scripts(HTML_CSP, page.body)
    return page


def _with_inline_scripts(csp: str, body: bytes | memoryview) -> str:
    """``csp`` allowing exactly the inline scripts of a page this server built itself
    (Swagger UI's start-up call), by their hashes; any other inline script stays blocked."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(bytes(body))
    )
    return csp.replace("script-src 'self'", f"script-src 'self' {hashes}", 1)


@router.get("/redoc")
def redoc(request: Request) -> Response:
    app = request.app
    return get_redoc_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} — API reference",
        redoc_js_url=f"{STATIC_PREFIX}/vendor/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{STATIC_PREFIX}/favicon.svg",
        with_google_fonts=False,
    )


def install_web(app: FastAPI) -> None:
    """Serve the dashboard, the docs and their static files on ``app`` (which must be
    built with ``docs_url=None, redoc_url=None``: these replace FastAPI's CDN pages)."""
    app.include_router(router)
    app.mount(STATIC_PREFIX, _RevalidatedStaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["STATIC_DIR", "install_web"]
