"""An httpx transport over the standard library's ``http.client``, with the same guards
as :class:`runner._transport.GuardedTransport` and less work per request.

httpx stays the client API of :class:`runner.target.TargetClient` (requests and responses
are ``httpx`` objects, its errors are httpx's); only the bytes on the wire go through
``http.client`` (C-buffered reads, one header parse) instead of httpcore and h11. urllib3
sends through the same ``http.client`` connections, with a pool, retries and URL parsing
this client does not need (it follows redirects itself, never retries, sends absolute
URLs httpx already parsed).

Guards, as in the httpcore transport:

- host policy on the connected peer: the name is resolved once, every address is
  vetted, and the socket is opened to a vetted address (no second resolution). Every new
  connection is vetted, reused ones were vetted when they were opened;
- connect and read timeouts per socket operation, and the request's overall deadline
  (``extensions["deadline"]``, a ``time.perf_counter()`` value) on every read and write
  of the socket, so a target dripping its headers or body a byte at a time is cut when
  the deadline passes, not at the next read timeout;
- the body is streamed (:meth:`httpx.Response.iter_bytes`): a caller that stops reading
  at a cap closes the connection without reading the rest;
- TLS with the same verification settings (one context per ``verify``), the host name
  checked by the context;
- header names and values validated as h11 does, so a header that could inject another
  is refused with the same message.
"""

from __future__ import annotations

import functools
import http.client
import math
import re
import select
import socket
import ssl
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import httpx

from runner.errors import TargetError
from runner.hostpolicy import HostPolicy

# What h11 accepts (h11/_abnf.py): a token for names and methods; visible characters and
# obs-text separated by spaces or tabs for values (no CR, LF or NUL anywhere).
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+")
_FIELD_VALUE = re.compile(rb"(?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?")
_READ_SIZE = 64 * 1024
# Idle keep-alive connections kept per origin (one client sends from one thread).
_MAX_IDLE = 4


class TotalTimeout(httpx.ReadTimeout):
    """The request's overall deadline passed while connecting (``connecting``), or
    sending or reading, after part of the answer had arrived (``answering``) or not."""

    def __init__(self, message: str, *, connecting: bool = False, answering: bool = False) -> None:
        super().__init__(message)
        self.connecting, self.answering = connecting, answering


class _Clock:
    """The deadline of the request a transport is sending (one request at a time)."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline = math.inf


_NO_DEADLINE = _Clock()


def _bounded(sock: socket.socket, clock: _Clock, timeout: float | None) -> None:
    """Before a read or write: raise past the deadline, else wait at most until it."""
    if clock.deadline == math.inf:
        return
    left = clock.deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError("the request's deadline passed")
    if timeout is None or left < timeout:
        socket.socket.settimeout(sock, left)


# The mixin's methods call the socket class's own (its ``super()``); typed as a socket.
if TYPE_CHECKING:
    _SocketBase = socket.socket
else:
    _SocketBase = object


class _Deadlined(_SocketBase):
    """Reads and writes that stop at the socket's clock's deadline, counting what the
    current answer received. Mixed into a TCP and a TLS socket class."""

    clock: _Clock = _NO_DEADLINE
    timeout_per_operation: float | None = None
    received = 0  # bytes of the current answer so far (reset for each request)

    def recv_into(self, buffer: Any, *args: Any) -> int:
        _bounded(self, self.clock, self.timeout_per_operation)
        size = super().recv_into(buffer, *args)
        self.received += size
        return size

    def recv(self, *args: Any) -> bytes:
        _bounded(self, self.clock, self.timeout_per_operation)
        data = super().recv(*args)
        self.received += len(data)
        return data

    def sendall(self, data: Any, *args: Any) -> None:
        _bounded(self, self.clock, self.timeout_per_operation)
        super().sendall(data, *args)


class _DeadlineSocket(_Deadlined, socket.socket):
    """A TCP socket whose reads and writes stop at its clock's deadline."""


class _DeadlineSSLSocket(_Deadlined, ssl.SSLSocket):
    """The TLS counterpart of :class:`_DeadlineSocket` (the context's socket class)."""


@functools.cache
def _ssl_context(verify: bool) -> ssl.SSLContext:
    # httpx's settings (certifi's CA bundle, its ciphers and minimum version), with the
    # deadline-aware socket class; one context per setting serves every client.
    context = httpx.create_ssl_context(verify=verify, trust_env=False)
    context.sslsocket_class = _DeadlineSSLSocket
    return context


def _finite(seconds: float) -> float | None:
    return None if seconds == math.inf else seconds


def _guarded_socket(
    policy: HostPolicy, clock: _Clock, host: str, port: int, timeout: float | None
) -> _DeadlineSocket:
    """A socket connected to a vetted address of ``host``: resolved once, every address
    checked against ``policy`` before any is tried."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetError("unresolvable", f"cannot resolve host {host}: {exc.strerror}") from None
    policy.check_addresses(host, list(dict.fromkeys(str(info[4][0]) for info in infos)))
    last: OSError | None = None
    for family, kind, proto, _, address in infos:
        left = clock.deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError("the request's deadline passed")
        sock = _DeadlineSocket(family, kind, proto)
        try:
            sock.settimeout(timeout if timeout is not None and timeout <= left else _finite(left))
            sock.connect(address)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:  # e.g. ::1 refused, 127.0.0.1 listening
            sock.close()
            last = exc
            if isinstance(exc, TimeoutError):
                break
            continue
        sock.clock = clock
        return sock
    raise last or OSError(f"no address for {host}")


class _Response(http.client.HTTPResponse):
    """``http.client``'s response with its header parsing replaced: the stdlib parses
    headers with the ``email`` package, a fifth of a small request's cost here. The
    framing rules (chunked, Content-Length, connection close) are the stdlib's; the
    header rules are h11's (as the httpcore transport applies them): a line without a
    colon, whitespace before the colon or two different Content-Lengths are refused."""

    raw_headers: list[tuple[bytes, bytes]]

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:  # informational answers (100 Continue, 103 Early Hints) are skipped
            version, status, reason = self._read_status()
            if not 100 <= status < 200 or status == 101:
                break
            _read_header_lines(self.fp)
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.raw_headers = fields = _parse_fields(_read_header_lines(self.fp))
        self.headers = self.msg = _NOT_PARSED
        encoding = _field(fields, b"transfer-encoding")
        if encoding is not None and encoding.lower() != b"chunked":
            raise http.client.HTTPException(f"unsupported Transfer-Encoding {encoding[:100]!r}")
        self.chunked = encoding is not None
        self.chunk_left = None
        self.will_close = self._closes(fields)
        self.length = None
        lengths = {value for name, value in fields if name.lower() == b"content-length"}
        if len(lengths) > 1:
            raise http.client.HTTPException("conflicting Content-Length headers")
        if lengths and not self.chunked:
            try:
                length = int(lengths.pop())
            except ValueError:
                raise http.client.HTTPException("invalid Content-Length") from None
            self.length = length if length >= 0 else None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True

    def _closes(self, fields: list[tuple[bytes, bytes]]) -> bool:
        connection = (_field(fields, b"connection") or b"").lower()
        if self.version == 11:
            return b"close" in connection
        if _field(fields, b"keep-alive") or b"keep-alive" in connection:
            return False
        return b"keep-alive" not in (_field(fields, b"proxy-connection") or b"").lower()


# What ``HTTPResponse.msg`` holds here: the headers are in ``raw_headers``.
_NOT_PARSED: Any = http.client.HTTPMessage()
# A line as long as http.client allows; in all, far more headers than its 100 (h11 has
# no count limit), in bounded memory.
_MAX_LINE = 65536
_MAX_HEADER_BYTES = 1024 * 1024


def _read_header_lines(fp: Any) -> list[bytes]:
    """The header lines up to the blank one."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return lines
        lines.append(line)
        size += len(line)
        if size > _MAX_HEADER_BYTES:
            raise http.client.HTTPException(f"more than {_MAX_HEADER_BYTES} bytes of headers")


def _parse_fields(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    fields: list[tuple[bytes, bytes]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):  # obs-fold: continues the previous value
            if not fields:
                raise http.client.HTTPException("a continuation line before any header")
            name, value = fields[-1]
            fields[-1] = (name, (value + b" " + line.strip(b" \t\r\n")).strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise http.client.HTTPException(f"malformed header line {line[:100]!r}")
        fields.append((name, value.strip(b" \t\r\n")))
    return fields


def _field(fields: list[tuple[bytes, bytes]], lowered: bytes) -> bytes | None:
    for name, value in fields:
        if name.lower() == lowered:
            return value
    return None


class _Connection(http.client.HTTPConnection):
    response_class = _Response

    def __init__(self, host: str, port: int, policy: HostPolicy, clock: _Clock) -> None:
        super().__init__(host, port)
        self._policy, self._clock = policy, clock
        self._create_connection = self._connect_vetted

    def _connect_vetted(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        return _guarded_socket(self._policy, self._clock, address[0], address[1], timeout)


class _TLSConnection(http.client.HTTPSConnection):
    response_class = _Response

    def __init__(
        self, host: str, port: int, policy: HostPolicy, clock: _Clock, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, context=context)
        self._policy, self._clock = policy, clock
        self._create_connection = self._connect_vetted

    def _connect_vetted(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        return _guarded_socket(self._policy, self._clock, address[0], address[1], timeout)

    def connect(self) -> None:
        super().connect()
        if isinstance(self.sock, _DeadlineSSLSocket):
            self.sock.clock = self._clock


AnyConnection = _Connection | _TLSConnection
Origin = tuple[bytes, str, int]


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether an idle keep-alive socket is readable: closed by the peer (or holding
    bytes nobody asked for); either way it cannot carry the next request."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _Body(httpx.SyncByteStream):
    """The response body, read as it arrives; the connection goes back to the idle ones
    only when the body was read to its end."""

    def __init__(
        self, transport: StdlibTransport, origin: Origin, conn: AnyConnection, response: _Response
    ) -> None:
        self._transport, self._origin = transport, origin
        self._conn: AnyConnection | None = conn
        self._response = response
        self._complete = False

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        while True:
            try:
                chunk = response.read1(_READ_SIZE)
            except Exception as exc:
                self.close()
                raise _httpx_error(exc, self._transport.clock, answering=True) from exc
            if chunk:
                yield chunk
                continue
            if response.length:  # read1 answers b"" at an early end of a sized body
                self.close()
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            self._complete = True
            return

    def close(self) -> None:
        conn, response = self._conn, self._response
        if conn is None:
            return
        self._conn = None
        response.close()
        if self._complete and not response.will_close and conn.sock is not None:
            self._transport._keep(self._origin, conn)
        else:
            conn.close()


def _httpx_error(exc: BaseException, clock: _Clock, *, answering: bool) -> Exception:
    """``exc`` (from the socket or http.client) as the httpx error httpcore would raise,
    so that :class:`~runner.target.TargetClient` classifies both transports alike."""
    if isinstance(exc, TargetError | httpx.HTTPError):
        return exc
    if isinstance(exc, TimeoutError):
        if time.perf_counter() >= clock.deadline:
            return TotalTimeout(str(exc), answering=answering)
        return httpx.ReadTimeout(str(exc) or "timed out")
    if isinstance(exc, http.client.InvalidURL | ValueError):  # refused before sending
        return httpx.LocalProtocolError(str(exc))
    if isinstance(exc, http.client.RemoteDisconnected):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if isinstance(exc, http.client.IncompleteRead):
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return httpx.ConnectError(str(exc))
    if isinstance(exc, OSError):
        return httpx.ReadError(str(exc) or type(exc).__name__)
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"malformed response: {exc!r}")
    return httpx.TransportError(str(exc) or type(exc).__name__)


def _connect_error(exc: BaseException, clock: _Clock) -> Exception:
    if isinstance(exc, TimeoutError):
        if time.perf_counter() >= clock.deadline:
            return TotalTimeout(str(exc), connecting=True)
        return httpx.ConnectTimeout(str(exc) or "timed out")
    return httpx.ConnectError(str(exc) or type(exc).__name__)


def _validate(method: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    if not _TOKEN.fullmatch(method):
        raise httpx.LocalProtocolError(f"Illegal method {method!r}")
    for name, value in headers:
        if not _TOKEN.fullmatch(name):
            raise httpx.LocalProtocolError(f"Illegal header name {name!r}")
        if not _FIELD_VALUE.fullmatch(value):
            raise httpx.LocalProtocolError(f"Illegal header value {value!r}")


class StdlibTransport(httpx.BaseTransport):
    """Sends httpx requests over ``http.client`` keep-alive connections, each opened to
    an address the host policy allows. One request at a time (a client per thread)."""

    def __init__(self, policy: HostPolicy, verify: bool) -> None:
        self._policy = policy
        self._context = _ssl_context(verify)
        self.clock = _Clock()
        self._idle: dict[Origin, list[AnyConnection]] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        # The ASCII (IDNA) form, as httpx encodes it: what is resolved and sent as SNI.
        scheme, host = url.raw_scheme, url.raw_host.decode("ascii")
        if scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}")
        port = url.port or (443 if scheme == b"https" else 80)
        headers = request.headers.raw
        _validate(request.method.encode("ascii"), headers)
        timeouts = request.extensions.get("timeout", {})
        read_timeout = timeouts.get("read")
        self.clock.deadline = request.extensions.get("deadline", math.inf)
        origin = (scheme, host, port)
        conn = self._connection(origin, timeouts.get("connect"))
        if conn.sock is None:
            try:
                conn.connect()  # to a vetted address; TargetError when none is allowed
            except TargetError:
                conn.close()
                raise
            except Exception as exc:
                conn.close()
                raise _connect_error(exc, self.clock) from exc
        sock: Any = conn.sock
        sock.settimeout(read_timeout)
        sock.timeout_per_operation = read_timeout
        sock.received = 0
        try:
            conn.putrequest(
                request.method,
                url.raw_path.decode("ascii"),
                skip_host=True,
                skip_accept_encoding=True,
            )
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(request.content or None)
            response = cast(_Response, conn.getresponse())
        except Exception as exc:
            conn.close()
            raise _httpx_error(exc, self.clock, answering=sock.received > 0) from exc
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(self, origin, conn, response),
            extensions={
                "http_version": b"HTTP/1.1" if response.version == 11 else b"HTTP/1.0",
                "reason_phrase": response.reason.encode("latin-1", "replace"),
            },
        )

    def _connection(self, origin: Origin, connect_timeout: float | None) -> AnyConnection:
        """An idle keep-alive connection to ``origin``, else a new one, not connected."""
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if conn.sock is not None and not _closed_by_peer(conn.sock):
                return conn
            conn.close()
        scheme, host, port = origin
        fresh: AnyConnection
        if scheme == b"https":
            fresh = _TLSConnection(host, port, self._policy, self.clock, self._context)
        else:
            fresh = _Connection(host, port, self._policy, self.clock)
        fresh.timeout = connect_timeout
        return fresh

    def _keep(self, origin: Origin, conn: AnyConnection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) < _MAX_IDLE:
            idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
