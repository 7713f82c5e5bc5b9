"""The HTTP client for untrusted targets.

Every request gets connect/read timeouts and an overall deadline, the response is read
up to a size cap (the rest is never read), redirects are followed by hand up to a limit
with each hop re-checked against the host policy, and every connection is opened only to
addresses the policy allows (checked after DNS resolution, so a name pointing at a
metadata service is caught). Failures become a :class:`TargetError` with a plain reason.

Sync httpx on purpose: one client per suite on worker threads measured several times
faster here than an AsyncClient shared by concurrent requests. httpx is the API (requests,
responses, errors); the bytes go through ``http.client`` by default
(runner/_stdlib_transport.py), which sends a step about a third faster than httpx's own
httpcore transport (runner/_transport.py) with the same guards (docs/benchmarks.md,
issue 16).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from runner import auth as target_auth
from runner._stdlib_transport import StdlibTransport, TotalTimeout
from runner._transport import GuardedTransport
from runner.errors import TargetError
from runner.hostpolicy import HostPolicy
from runner.masking import Masker
from runner.observed import ObservedResponse
from runner.prepare import OutgoingRequest, add_query

# A slow target should fail its step, not hold a worker: seconds to connect, to wait
# for each read, and for the whole exchange including redirects and the body.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_TOTAL_TIMEOUT = 60.0
# Far above any sane API response; several suites in parallel stay within memory.
DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "gauntlet-runner/0.1"
_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_REMEMBERED_ORIGINS = 64
_MAX_REMEMBERED_URLS = 256
# "stdlib": http.client under httpx (runner/_stdlib_transport.py); "httpcore": httpx's own
# transport (runner/_transport.py). Same guards; the first sends faster (docs/benchmarks.md,
# issue 16). GAUNTLET_RUNNER_TRANSPORT=httpcore falls back to the second in a process (and
# lets bench/runs.py run both in one benchmark).
Transport = Literal["stdlib", "httpcore"]
DEFAULT_TRANSPORT: Transport = (
    "httpcore" if os.environ.get("GAUNTLET_RUNNER_TRANSPORT") == "httpcore" else "stdlib"
)
# Headers that must not follow a redirect to another origin.
_CROSS_ORIGIN_DROP = {"authorization", "proxy-authorization", "cookie", "x-api-key"}


class TargetClient:
    """A sync client for one suite (not thread-safe: one per suite or per thread).

    Cookies the target sets are sent back on later requests of the same client, as a
    browser session would. Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        *,
        auth: target_auth.AnyAuth | Mapping[str, Any] | None = None,
        policy: HostPolicy | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        follow_redirects: bool = True,
        verify: bool = True,
        auth_origin: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.auth = target_auth.parse_auth(auth)
        # The base URL whose origin alone receives the credentials (None: any origin a
        # request is sent to; a redirect to another origin always drops them).
        self.auth_origin = auth_origin
        self.policy = policy or HostPolicy()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_response_bytes = max_response_bytes
        self.max_redirects = max_redirects
        self.follow_redirects = follow_redirects
        self._allowed_origins: set[str] = set()
        header_names, query_names = target_auth.secret_names(self.auth)
        self.masker = Masker(target_auth.secrets_of(self.auth), header_names, query_names)
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout)
        self._transport: httpx.BaseTransport = (
            StdlibTransport(self.policy, verify)
            if (transport or DEFAULT_TRANSPORT) == "stdlib"
            else GuardedTransport(self.policy, verify)
        )
        self._http = httpx.Client(
            transport=self._transport,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )
        self._timeouts = timeout.as_dict()
        # Parsed URLs by their text: a suite sends most of its steps to a few URLs, and
        # parsing one is a tenth of a fast step's sending cost.
        self._urls: dict[str, httpx.URL] = {}

    def authorize(self, request: OutgoingRequest) -> OutgoingRequest:
        """``request`` with the app's auth applied. A header or query parameter the step
        set itself wins, so a suite can test a wrong or missing credential. A request
        outside ``auth_origin`` is returned as it is."""
        if self.withholds_auth(request.url):
            return request
        request = request.with_headers(target_auth.auth_headers(self.auth))
        query = target_auth.auth_query(self.auth)
        if not query:
            return request
        present = {k.lower() for k, _ in _query_pairs(request.url)}
        missing = [(k, v) for k, v in query.items() if k.lower() not in present]
        return OutgoingRequest(
            request.method, add_query(request.url, missing), request.headers, request.body
        )

    def withholds_auth(self, url: str) -> bool:
        """Whether the app's credentials are kept from ``url`` (another origin)."""
        return (
            self.auth is not None
            and self.auth_origin is not None
            and not target_auth.same_origin(url, self.auth_origin)
        )

    def send(self, request: OutgoingRequest, *, authorized: bool = False) -> ObservedResponse:
        """Send ``request`` (with the app's auth) and return the response as received.
        ``authorized`` says that ``request`` already went through :meth:`authorize`.

        Raises :class:`TargetError` when the URL is invalid or denied, the target refuses,
        resets or times out, or redirects more than ``max_redirects`` times.
        """
        first = request if authorized else self.authorize(request)
        started = time.perf_counter()
        deadline = started + self.total_timeout
        current, hops = first, 0
        while True:
            self._check_url(current.url)
            response = self._open(current, deadline)
            try:
                location = response.headers.get("location")
                if self.follow_redirects and response.status_code in _REDIRECTS and location:
                    hops += 1
                    if hops > self.max_redirects:
                        raise TargetError(
                            "too_many_redirects",
                            f"more than {self.max_redirects} redirects "
                            f"(the last one to {urljoin(current.url, location)})",
                        )
                    current = self._next_hop(first, current, response.status_code, location)
                    continue
                body, truncated = self._read_capped(response, deadline, current.url)
            finally:
                response.close()
            return ObservedResponse(
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                truncated=truncated,
            )

    def close(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        self._http.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_url(self, url: str) -> None:
        # A suite sends most of its steps to one origin: what passed is not checked again
        # (the addresses a name resolves to are still vetted on every new connection).
        origin = url.split("/", 3)[:3]
        if len(origin) == 3 and "/".join(origin) in self._allowed_origins:
            return
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 -- raises ValueError on a port out of range
        except ValueError as exc:
            raise TargetError("invalid_url", f"invalid URL {url}: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise TargetError("invalid_url", f"invalid URL {url}: the scheme must be http or https")
        if not host:
            raise TargetError("invalid_url", f"invalid URL {url}: no host")
        self.policy.check_host(host)
        if len(self._allowed_origins) < _MAX_REMEMBERED_ORIGINS:
            self._allowed_origins.add(f"{parts.scheme}://{parts.netloc}")

    def _open(self, request: OutgoingRequest, deadline: float) -> httpx.Response:
        try:
            built = self._build(request, deadline)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise TargetError("invalid_url", f"invalid URL {request.url}: {exc}") from None
        except UnicodeError:
            raise TargetError(
                "invalid_request", "the request cannot be sent: a header holds non-ASCII text"
            ) from None
        except (ValueError, TypeError) as exc:
            raise TargetError("invalid_request", f"the request cannot be sent: {exc}") from None
        # Straight to the transport: Client.send adds auth and redirect layers this class
        # does not use (it follows redirects itself) and runs the cookie jar's parser on
        # every response; here it runs only on responses that set a cookie. That was
        # about a tenth of a fast step's CPU (bench/runs.py (a)).
        try:
            response = self._transport.handle_request(built)
        except TargetError:
            raise
        except httpx.HTTPError as exc:
            raise self._classify(exc, request.url) from None
        response.request = built
        if "set-cookie" in response.headers:
            self._http.cookies.extract_cookies(response)
        return response

    def _build(self, request: OutgoingRequest, deadline: float) -> httpx.Request:
        # What Client.build_request does for this client, without the parts it never
        # needs (the URL is absolute, there are no client-wide query parameters, the
        # cookie jar is copied only when it holds a cookie): a fifth of its cost.
        url = self._urls.get(request.url)
        if url is None:
            url = httpx.URL(request.url)
            if len(self._urls) < _MAX_REMEMBERED_URLS:
                self._urls[request.url] = url
        built = httpx.Request(
            request.method,
            url,
            headers=self._http.headers,
            content=request.body,
            # The deadline (perf_counter) bounds every read and write of the stdlib
            # transport; the httpcore one ignores it (checked between body chunks).
            extensions={"timeout": self._timeouts, "deadline": deadline},
        )
        built.headers.update(request.headers)
        if self._http.cookies:
            self._http.cookies.set_cookie_header(built)
        return built

    def _read_capped(
        self, response: httpx.Response, deadline: float, url: str
    ) -> tuple[bytes, bool]:
        # Read chunk by chunk and stop at the cap: a 10 GB answer costs the cap, not 10 GB.
        chunks: list[bytes] = []
        size, cap = 0, self.max_response_bytes
        try:
            for chunk in response.iter_bytes():
                room = cap - size
                if len(chunk) > room:
                    chunks.append(chunk[:room])
                    return b"".join(chunks), True
                chunks.append(chunk)
                size += len(chunk)
                if time.perf_counter() > deadline:
                    raise TargetError(
                        "timeout", f"{_host(url)} took longer than {self.total_timeout:g}s in all"
                    )
        except httpx.HTTPError as exc:
            raise self._classify(exc, url) from None
        return b"".join(chunks), False

    def _next_hop(
        self, first: OutgoingRequest, current: OutgoingRequest, status: int, location: str
    ) -> OutgoingRequest:
        url = urljoin(current.url, location)
        method, body, headers = current.method, current.body, dict(current.headers)
        # As browsers do: 303 always, and 301/302 after a POST, continue as a GET.
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        if _origin(url) != _origin(first.url):
            # Never hand the app's credentials to a host the target points at.
            drop = _CROSS_ORIGIN_DROP | {h.lower() for h in target_auth.auth_headers(self.auth)}
            headers = {k: v for k, v in headers.items() if k.lower() not in drop}
            return OutgoingRequest(method, url, headers, body)
        hop = OutgoingRequest(method, url, headers, body)
        # A first request sent without the credentials (another origin than the base
        # URL's) does not get them on its way either.
        return self.authorize(hop) if self._carries_auth(first) else hop

    def _carries_auth(self, request: OutgoingRequest) -> bool:
        if self.auth is None:
            return False
        headers = target_auth.auth_headers(self.auth)
        if any(request.header(name) == value for name, value in headers.items()):
            return True
        pairs = _query_pairs(request.url)
        return any((k, v) in pairs for k, v in target_auth.auth_query(self.auth).items())

    def _classify(self, exc: httpx.HTTPError, url: str) -> TargetError:
        host = _host(url)
        causes = _causes(exc)
        if isinstance(exc, TotalTimeout):
            # The deadline cut the wait. Said as the limit the target crossed: the total
            # once it was answering, or when the connect or read timeout would have
            # waited longer; else the connect or read timeout (no longer than the total).
            waited = self.connect_timeout if exc.connecting else self.read_timeout
            if exc.answering or waited > self.total_timeout:
                return TargetError(
                    "timeout", f"{host} took longer than {self.total_timeout:g}s in all"
                )
        if isinstance(exc, httpx.ConnectTimeout) or (
            isinstance(exc, TotalTimeout) and exc.connecting
        ):
            return TargetError(
                "timeout", f"timed out connecting to {host} after {self.connect_timeout:g}s"
            )
        if isinstance(exc, httpx.TimeoutException):
            return TargetError(
                "timeout", f"timed out waiting for {host} to answer after {self.read_timeout:g}s"
            )
        if isinstance(exc, httpx.LocalProtocolError):
            return TargetError("invalid_request", f"the request cannot be sent: {exc}")
        if isinstance(exc, httpx.DecodingError):
            return TargetError("protocol", f"{host} sent a body that cannot be decoded: {exc}")
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return TargetError("refused", f"connection refused by {host}")
        if any(isinstance(c, ConnectionResetError | BrokenPipeError) for c in causes):
            return TargetError("reset", f"connection reset by {host}")
        if isinstance(exc, httpx.RemoteProtocolError):
            if "without sending" in str(exc) or "closed" in str(exc).lower():
                return TargetError("reset", f"{host} closed the connection without answering")
            return TargetError("protocol", f"{host} sent a malformed HTTP response: {exc}")
        return TargetError(
            "network", f"network error talking to {host}: {exc or type(exc).__name__}"
        )


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or ""), parts.port or default


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        return parts.netloc.rpartition("@")[2] or url
    except ValueError:
        return url


def _query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)
