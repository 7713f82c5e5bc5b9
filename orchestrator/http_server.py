"""The HTTP server behind ``gauntlet serve`` and ``gauntlet api``: uvicorn, configured
so that a client cannot hold connections open by saying nothing.

uvicorn closes an idle connection between requests (``timeout_keep_alive``) and caps
concurrency, but it has no deadline for a request's head: a connection that sends half a
request line (or nothing at all) stays open forever, and enough of them exhaust the
server's sockets (slowloris). The protocol below adds that deadline, and a size bound on
the head that holds for both of uvicorn's parsers (h11 has its own, httptools has none);
with httptools (uvicorn's standard parser) also a deadline for the body of a request
whose head has arrived, so that a body sent a byte at a time cannot do the same.
Past ``limit_concurrency`` uvicorn answers a plain-text 503; with httptools (uvicorn's
standard parser, installed with it) the protocol answers the documented error envelope
instead, with ``Retry-After``. What the parser refuses before a request exists (a head
past the bound: 431; bytes that are not HTTP: 400) is answered in the envelope too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.errors import GauntletError, HeadersTooLarge, ServiceUnavailable, ValidationFailed
from core.settings import Settings
from orchestrator.context import new_request_id, request_id, set_request_id
from orchestrator.envelope import error_response
from orchestrator.security_headers import ALWAYS, SecurityHeadersMiddleware

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Parser
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
    _Parser = H11Protocol  # type: ignore[misc, assignment]


def _refusal(exc: GauntletError, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """``exc`` in the error envelope as a whole HTTP/1.1 answer closing the connection:
    for what the parser refuses before any request, and so any ASGI app, exists. Its
    request id is a fresh one (it belongs to no request)."""
    rid = new_request_id()
    set_request_id(rid)
    response = error_response(exc, headers={"Connection": "close", "X-Request-ID": rid})
    status = HTTPStatus(response.status_code)
    lines = [f"HTTP/1.1 {status.value} {status.phrase}".encode()]
    lines += [name + b": " + value for name, value in [*default_headers, *response.raw_headers]]
    lines += [name + b": " + value for name, value in ALWAYS]
    return b"\r\n".join(lines) + b"\r\n\r\n" + response.body


def _too_large(max_head_bytes: int) -> HeadersTooLarge:
    return HeadersTooLarge(
        f"the request's head (request line and headers) is over {max_head_bytes} bytes"
        " (GAUNTLET_HTTP_MAX_HEADER_BYTES)"
    )


async def _overloaded(scope: Any, receive: Any, send: Any) -> None:
    """What a request past ``limit_concurrency`` gets: the error envelope, not uvicorn's
    plain text (clients parse every error answer as JSON)."""
    busy = ServiceUnavailable(
        "the server is at its limit of open connections and running requests"
        " (GAUNTLET_HTTP_LIMIT_CONCURRENCY); retry shortly",
        retry_after_s=1,
    )
    headers = {"Connection": "close", "X-Request-ID": request_id()}
    answer = SecurityHeadersMiddleware(error_response(busy, headers=headers))
    await answer(scope, receive, send)


class _Deadline:
    """A timer closing a connection when it fires while ``pending()`` still holds: the
    head's and the body's deadlines of :func:`_head_limits`."""

    __slots__ = ("_close", "_handle", "_loop", "_pending", "_seconds")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        seconds: float,
        pending: Callable[[], bool],
        close: Callable[[], None],
    ) -> None:
        self._loop, self._seconds, self._pending, self._close = loop, seconds, pending, close
        self._handle: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        if self._handle is None:
            self._handle = self._loop.call_later(self._seconds, self._fire)

    def disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        if self._pending():
            self._close()


def _head_limits(
    header_timeout_s: float, max_head_bytes: int, body_timeout_s: float
) -> type[asyncio.Protocol]:
    class HeadLimitedProtocol(_Parser):
        """uvicorn's protocol, closing a connection whose next request head does not
        arrive within ``header_timeout_s`` or grows past ``max_head_bytes``, or whose
        request body is not complete ``body_timeout_s`` after its head.

        A head is measured twice: by the bytes received while it is still incomplete (a
        head that never ends), and by what the parser found in it, its target and
        headers (a head that arrives whole in one read, up to 256 KiB, completes before
        the first measure sees it)."""

        _head_bytes = 0
        _parsed_head_bytes = 0
        _head_too_large = False

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._head = _Deadline(self.loop, header_timeout_s, self._waiting_for_head, self._close)
            self._body = _Deadline(self.loop, body_timeout_s, self._receiving_body, self._close)
            self._head.arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.transport.is_closing():
                self._head.disarm()
                self._body.disarm()
                return
            if not self._waiting_for_head():
                self._head_bytes = 0
                self._head.disarm()
                # Armed only for a body still to come: a request without one is complete
                # by now, and costs no timer.
                if self._receiving_body():
                    self._body.arm()
                return
            # Still no complete head after this data: count it, bound it, time it.
            self._head_bytes += len(data)
            if self._head_bytes > max_head_bytes:
                self._head.disarm()
                self._refuse(_too_large(max_head_bytes))
                return
            self._head.arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._parsed_head_bytes = 0

        def on_url(self, url: bytes) -> None:
            self._count_head(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count_head(len(name) + len(value) + 4)  # ": " and CRLF
            super().on_header(name, value)

        def _count_head(self, size: int) -> None:
            self._parsed_head_bytes += size
            if self._parsed_head_bytes > max_head_bytes:
                # Raising stops the parser before the request exists; httptools reports
                # it as a parse error, and send_400_response answers 431 instead.
                self._head_too_large = True
                raise _too_large(max_head_bytes)

        def connection_lost(self, exc: Exception | None) -> None:
            self._head.disarm()
            self._body.disarm()
            super().connection_lost(exc)

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._body.disarm()

        def _waiting_for_head(self) -> bool:
            # No request yet, or the last one answered and the next one not yet parsed.
            return self.cycle is None or bool(self.cycle.response_complete)

        def _receiving_body(self) -> bool:
            cycle = self.cycle
            return cycle is not None and bool(cycle.more_body) and not cycle.response_complete

        def _close(self) -> None:
            if not self.transport.is_closing():
                self.transport.close()

        def send_400_response(self, msg: str) -> None:
            # uvicorn's answer to bytes its parser refuses is plain text; clients parse
            # every error answer as JSON.
            if self._head_too_large:
                self._refuse(_too_large(max_head_bytes))
                return
            self._refuse(ValidationFailed("malformed HTTP request: the server could not parse it"))

        def _refuse(self, exc: GauntletError) -> None:
            self.transport.write(_refusal(exc, self.server_state.default_headers))
            self.transport.close()

        def _start_asgi_task(self, cycle: Any, app: Any) -> None:
            # httptools' protocol picks uvicorn's plain-text 503 past the limit and starts
            # it here (tests/orchestrator/test_http_server.py checks the swap still holds).
            super()._start_asgi_task(cycle, _overloaded if app is service_unavailable else app)

    return HeadLimitedProtocol


def uvicorn_config(app: Any, settings: Settings, host: str, port: int) -> uvicorn.Config:
    """uvicorn's configuration for ``app`` from the ``GAUNTLET_HTTP_*`` settings: no
    ``server`` header (it only tells an attacker what to aim at), timeouts for idle and
    half-sent connections, and a bound on concurrency."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_head_limits(
            settings.http_header_timeout_seconds,
            settings.http_max_header_bytes,
            settings.http_body_timeout_seconds,
        ),
        h11_max_incomplete_event_size=settings.http_max_header_bytes,
        timeout_keep_alive=settings.http_keep_alive_seconds,
        limit_concurrency=settings.http_limit_concurrency,
        server_header=False,
        log_config=None,
        access_log=False,
    )


def run(app: Any, settings: Settings, host: str, port: int) -> None:
    """Serve ``app`` until SIGINT/SIGTERM."""
    uvicorn.Server(uvicorn_config(app, settings, host, port)).run()
