"""The client's HTTP connection to a Gauntlet server (``/client/v1``) with an API key.

Every error answer becomes a :class:`ClientError` that says what went wrong in the
server's own words (code, message, each field at fault), and an unreachable server one
that names the address tried. 429 answers are retried after their ``Retry-After``, a
few times, as the API asks of clients; so are 503 answers to reads. A 503 to a write is
not retried: the server may have done it (a job created, its event not stored), and
doing it twice is worse than saying so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import httpx

from orchestrator.client.errors import ClientError

DEFAULT_SERVER = "http://127.0.0.1:8000"
API_PREFIX = "/client/v1"
# 429/503 answers retried before giving up, and the longest wait honoured for one.
RETRIES = 5
MAX_RETRY_WAIT_S = 30.0
REQUEST_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# A followed stream sends a heartbeat at least every 15 s: a minute of silence is a
# dead connection.
STREAM_READ_TIMEOUT_S = 60.0


def client_version() -> str:
    try:
        return version("gauntlet")
    except PackageNotFoundError:
        return "unknown"


def _server_url(server: str) -> str:
    parts = urlsplit(server.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientError(
            f"--server must be an http(s) URL such as {DEFAULT_SERVER}, not {server!r}"
        )
    return server.strip().rstrip("/")


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host unknown"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return str(exc) or type(exc).__name__


def api_error(response: httpx.Response) -> ClientError:
    """The error answer as a ClientError: ``<status> <CODE>: <message>`` and the fields."""
    try:
        error = response.json()["error"]
        message = f"{response.status_code} {error['code']}: {error['message']}"
        details = [
            f"{d['field']}: {d['message']}" if d.get("field") else str(d["message"])
            for d in error.get("details") or []
        ]
        if len(details) == 1 and message.endswith(details[0]):
            details = []  # the message already says it
    except (ValueError, KeyError, TypeError):
        message = f"the server answered {response.status_code} {response.reason_phrase}"
        if response.status_code == 404:
            message += f" for {response.request.url.path}: is this a Gauntlet server?"
        details = []
    return ClientError(message, details)


class Api:
    """A session with one server and one key. Use as a context manager."""

    def __init__(self, server: str, key: str | None) -> None:
        if not key:
            raise ClientError("no API key: pass --key or set GAUNTLET_API_KEY")
        self.server = _server_url(server)
        self.http = httpx.Client(
            base_url=self.server + API_PREFIX,
            headers={
                "Authorization": f"Bearer {key}",
                "User-Agent": f"gauntlet-cli/{client_version()}",
            },
            timeout=REQUEST_TIMEOUT,
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        accept: str | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
    ) -> httpx.Response:
        """Send a request; the response when its status is in ``ok``, else ClientError."""
        headers = {"Accept": accept} if accept else None
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.request(
                    method, path, json=json, params=params, headers=headers
                )
            except httpx.TransportError as exc:
                raise ClientError(
                    f"cannot reach the Gauntlet server at {self.server}: {_transport_reason(exc)}"
                ) from None
            retry = response.status_code == 429 or (response.status_code == 503 and method == "GET")
            if retry and attempt < RETRIES:
                time.sleep(_retry_after(response))
                continue
            break
        if response.status_code in ok:
            return response
        raise api_error(response)

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a success envelope."""
        return self.request(method, path, **kwargs).json()["data"]

    def delete(self, path: str) -> None:
        """DELETE: 204, or 200 with an envelope, are both success."""
        self.request("DELETE", path, ok=(200, 204))

    def offset_pages(
        self, path: str, params: dict[str, Any], limit: int | None = None
    ) -> Iterator[Any]:
        """Every item of an offset-paged list (at most ``limit``)."""
        offset, seen = 0, 0
        while True:
            page_size = 100 if limit is None else min(100, limit - seen)
            body = self.request(
                "GET", path, params={**params, "offset": offset, "limit": page_size}
            ).json()
            for item in body["data"]:
                yield item
                seen += 1
            if not body["meta"]["pagination"]["has_next_page"] or (limit and seen >= limit):
                return
            offset += len(body["data"])

    def cursor_pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a cursor-paged list."""
        query: dict[str, Any] = {**(params or {}), "page_size": 100}
        while True:
            body = self.request("GET", path, params=query).json()
            yield from body["data"]
            cursor = body["meta"]["pagination"]["next_cursor"]
            if not body["meta"]["pagination"]["has_next_page"] or not cursor:
                return
            query["after"] = cursor

    @contextmanager
    def stream_lines(
        self, path: str, params: dict[str, Any], read_timeout: float = STREAM_READ_TIMEOUT_S
    ) -> Iterator[Iterator[str]]:
        """The lines of a streamed answer (NDJSON). Transport errors propagate as httpx
        exceptions, so a follower can resume."""
        timeout = httpx.Timeout(10.0, read=read_timeout)
        with self.http.stream("GET", path, params=params, timeout=timeout) as response:
            if response.status_code in (429, 503):
                raise RetryLater(_retry_after(response))
            if response.status_code != 200:
                response.read()
                raise api_error(response)
            yield response.iter_lines()


class RetryLater(Exception):
    """The server asked to come back in ``seconds`` (429 or 503 to a stream)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry in {seconds:g} s")
        self.seconds = seconds


def _retry_after(response: httpx.Response) -> float:
    try:
        wait = float(response.headers.get("retry-after", "1"))
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.1), MAX_RETRY_WAIT_S)
