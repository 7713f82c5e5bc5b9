"""API requests counted by route template and status.

Labels name the route's template (``/client/v1/jobs/{job_id}``), never the raw path:
ids would make a new time series per job. The template is found by matching the path
against the app's routes (included routers and mounts flattened, as FastAPI lists them),
so a request refused before routing (no key, rate limit) is labelled like one that was
served; one that matches no route is ``unmatched``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class _Template:
    regex: re.Pattern[str]
    methods: frozenset[str] | None
    template: str


class RouteTemplates:
    """The app's route templates, in routing order, built on first use (and again when
    routes were added since)."""

    def __init__(self) -> None:
        self._built_from = -1
        self._table: list[_Template] = []
        # Routing leaves the served route in the scope: its template without a scan
        # (routes included under one prefix only).
        self._by_route: dict[int, str] = {}

    def of(self, app: Any, path: str, method: str, served: Any = None) -> str:
        if served is not None and (known := self._by_route.get(id(served))) is not None:
            return known
        template = self._match(path, method)
        routes = list(getattr(app, "routes", []))
        if template is None and len(routes) != self._built_from:
            self._build(routes)
            template = self._match(path, method)
        return template or UNMATCHED

    def _match(self, path: str, method: str) -> str | None:
        partial = None
        for entry in self._table:
            if entry.regex.match(path):
                if entry.methods is None or method in entry.methods:
                    return entry.template
                partial = partial or entry.template  # answered 405
        return partial

    def _build(self, routes: list[Any]) -> None:
        table = []
        by_route: dict[int, set[str]] = {}
        for context in iter_route_contexts(routes):
            path = context.path
            if not path:
                continue
            if isinstance(context.original_route, Mount):
                path = path.rstrip("/") + "/{path:path}"
            regex, template, _ = compile_path(path)
            methods = context.methods
            table.append(_Template(regex, frozenset(methods) if methods else None, template))
            by_route.setdefault(id(context.original_route), set()).add(template)
        self._table = table
        self._by_route = {key: next(iter(t)) for key, t in by_route.items() if len(t) == 1}
        self._built_from = len(routes)


class HttpMetricsMiddleware:
    """Outermost: counts every response, errors and refusals included. The duration is
    to the response's start (a followed event stream would otherwise count its whole
    life)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Read now: routing may rewrite the scope's path (mounts).
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            recorded = True
            route = self.templates.of(scope.get("app"), path, method, scope.get("route"))
            label = method if method in _METHODS else "OTHER"
            metrics.HTTP_REQUESTS.labels(label, route, str(status)).inc()
            metrics.HTTP_REQUEST_DURATION.labels(label, route).observe(
                time.perf_counter() - started
            )

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start" and not recorded:
                record(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            if not recorded:
                record(500)
