"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request):

- ``RequestContextMiddleware``: request id (header and log context), body size limit,
  access log, and the last-resort 500 envelope (never a stack trace).
- ``ApiGuardMiddleware``: for ``/client/v1``, authenticates the key and applies the
  rate limit before any route runs, so that every response under the prefix (unknown
  routes and 405s included) carries the rate-limit headers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import anyio
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics
from core.errors import (
    AuthenticationRequired,
    GauntletError,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from orchestrator.auth.cache import PrincipalCache
from orchestrator.auth.principal import Principal
from orchestrator.context import new_request_id, set_request_id
from orchestrator.envelope import as_gauntlet_error, error_response, internal_error_response
from orchestrator.nul import NUL_MESSAGE, BodyNulScanner, url_has_nul
from orchestrator.ratelimit import RateDecision, RateLimiter

log = structlog.get_logger("gauntlet.api")
API_PREFIX = "/client/v1"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        set_request_id(rid)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}
        rid_header = (b"x-request-id", rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        declared = _header(scope, b"content-length")
        try:
            if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
                raise PayloadTooLarge(self._too_large())
            if url_has_nul(scope.get("path", ""), scope.get("query_string", b"")):
                raise ValidationFailed(NUL_MESSAGE)
            await self.app(scope, self._limited(receive), send_with_id)
        except Exception as exc:
            error = as_gauntlet_error(exc)
            if error is None:
                log.exception("http.unhandled_error", path=scope.get("path"))
            elif isinstance(error, ServiceUnavailable):
                log.warning("http.service_unavailable", path=scope.get("path"), reason=str(exc))
            if not status_holder["started"]:
                response = internal_error_response() if error is None else error_response(error)
                await response(scope, receive, send_with_id)
        finally:
            log.info(
                "http.request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status_holder["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )

    def _too_large(self) -> str:
        return f"request body exceeds the limit of {self.max_body_bytes} bytes"

    def _limited(self, receive: Receive) -> Receive:
        seen = 0
        scanner = BodyNulScanner()

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > self.max_body_bytes:
                    raise PayloadTooLarge(self._too_large())
                if scanner.feed(chunk):
                    raise ValidationFailed(NUL_MESSAGE)
            return message

        return limited_receive


def rate_headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-ratelimit-limit", str(decision.limit).encode()),
        (b"x-ratelimit-remaining", str(decision.remaining).encode()),
        (b"x-ratelimit-reset", str(decision.reset_after_s).encode()),
    ]
    return headers


def bearer_or_api_key(scope: Scope) -> str | None:
    """The raw key from ``Authorization: Bearer …`` or else ``X-API-Key``; "" when the
    Authorization header is there but is not a bearer token."""
    auth = _header(scope, b"authorization")
    if auth is not None:
        scheme, _, value = auth.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    api_key = _header(scope, b"x-api-key")
    return api_key.strip() if api_key is not None else None


class ApiGuardMiddleware:
    """Authenticate and rate-limit every request under ``/client/v1``.

    Known keys share one bucket per key; requests without a valid key draw from a bucket
    per client address (``anonymous``), so that key guessing is throttled too.
    """

    def __init__(
        self,
        app: ASGIApp,
        authenticate: Callable[[str], Principal | None],
        limiter: RateLimiter,
        anonymous_limiter: RateLimiter,
        cache: PrincipalCache,
        limiter_is_local: bool,
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.limiter = limiter
        self.anonymous_limiter = anonymous_limiter
        self.cache = cache
        # A local (memory) limiter and a cached key need no I/O: they are checked on the
        # event loop, sparing the request a hop to the thread pool.
        self.limiter_is_local = limiter_is_local

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        rate: list[tuple[bytes, bytes]] = []
        try:
            principal = await self._admit(scope, rate)
        except GauntletError as exc:
            await error_response(exc)(scope, receive, _with_headers(send, rate))
            return
        scope.setdefault("state", {})["principal"] = principal
        _treat_body_as_json(scope)
        structlog.contextvars.bind_contextvars(org_id=principal.org_id, key_id=principal.key_id)
        await self.app(scope, receive, _with_headers(send, rate))

    async def _admit(self, scope: Scope, rate: list[tuple[bytes, bytes]]) -> Principal:
        """The request's principal; puts the rate-limit headers in ``rate``. Raises
        ``RateLimited``, ``AuthenticationRequired`` or ``ServiceUnavailable``."""
        raw = bearer_or_api_key(scope)
        checked = self._check_without_io(raw, _client(scope)) if self.limiter_is_local else None
        if checked is None:
            checked = await anyio.to_thread.run_sync(self._check, raw, _client(scope))
        principal, decision = checked
        rate.extend(rate_headers(decision))
        if not decision.allowed:
            metrics.RATE_LIMIT_REFUSALS.labels("anonymous" if principal is None else "key").inc()
            retry = max(1, decision.retry_after_s)
            raise RateLimited(f"too many requests; retry in {retry} s", retry_after_s=retry)
        if principal is None:
            raise AuthenticationRequired(
                "an API key is required (Authorization: Bearer gnt_... or X-API-Key)"
                if not raw
                else "the API key is invalid, revoked or expired"
            )
        return principal

    def _check_without_io(
        self, raw: str | None, client: str
    ) -> tuple[Principal | None, RateDecision] | None:
        if not raw:
            return None, self.anonymous_limiter.hit(f"anon:{client}")
        principal = self.cache.get(raw)
        if principal is None:
            return None
        return principal, self.limiter.hit(principal.key_id)

    def _check(self, raw: str | None, client: str) -> tuple[Principal | None, RateDecision]:
        principal = self.cache.get(raw) if raw else None
        if raw and principal is None:
            principal = self.authenticate(raw)
            if principal is not None:
                self.cache.put(raw, principal)
        if principal is None:
            return None, self.anonymous_limiter.hit(f"anon:{client}")
        return principal, self.limiter.hit(principal.key_id)


def _treat_body_as_json(scope: Scope) -> None:
    """Every body under /client/v1 is JSON. Clients such as ``curl -d`` label it as a
    form; read it as JSON anyway rather than failing on the label."""
    headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"content-type"]
    scope["headers"] = [*headers, (b"content-type", b"application/json")]


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return wrapped


__all__ = ["API_PREFIX", "ApiGuardMiddleware", "RequestContextMiddleware", "rate_headers"]
