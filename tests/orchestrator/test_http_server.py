"""``gauntlet serve`` as a slow or silent client meets it: a real server process on
loopback, raw sockets. Connections that never finish a request head are closed, idle
ones too, no response names the server software, and a request past the concurrency
limit, a head past its bound and bytes that are not HTTP get the documented error
envelope."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.orchestrator.test_cli import GAUNTLET, cli_env, run
from tests.support.live_server import free_port

# Behaviour, not speed: the server's deadlines are 1 s, the test waits far longer.
CLOSE_WITHIN_S = 20
# Starting a server process takes seconds on a busy machine.
pytestmark = pytest.mark.slow


@contextmanager
def _serving(tmp_path: Path, **settings: str) -> Iterator[int]:
    """A ``gauntlet serve`` process with ``settings`` in its environment; yields its port."""
    env = cli_env(tmp_path, **settings)
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [*GAUNTLET, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    try:
        _wait_until_up(process, port, log_path)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with _serving(
        tmp_path_factory.mktemp("http"),
        GAUNTLET_HTTP_HEADER_TIMEOUT_SECONDS="1",
        GAUNTLET_HTTP_KEEP_ALIVE_SECONDS="1",
        GAUNTLET_HTTP_MAX_HEADER_BYTES="4096",
    ) as port:
        yield port


def _wait_until_up(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log_path.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.05)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=CLOSE_WITHIN_S)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; fails if it keeps the socket open."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            pytest.fail(f"still open after {CLOSE_WITHIN_S} s; got {received!r}")
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def test_a_silent_connection_is_closed(server: int) -> None:
    with _connect(server) as sock:
        assert _read_until_closed(sock) == b""


def test_a_half_sent_request_is_closed(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert _read_until_closed(sock) == b""


def _dribble_until_closed(sock: socket.socket, byte: bytes) -> float | None:
    """Send ``byte`` every 0.1 s (always a little, never enough: no read on the server
    ever times out) until the server closes; the seconds that took, None if it did not
    within ``CLOSE_WITHIN_S``."""
    started = time.monotonic()
    while time.monotonic() - started < CLOSE_WITHIN_S:
        try:
            sock.sendall(byte)
            sock.setblocking(False)
            try:
                if sock.recv(65536) == b"":
                    return time.monotonic() - started
            except BlockingIOError:
                pass
            finally:
                sock.setblocking(True)
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def test_a_head_dribbled_byte_by_byte_is_closed_all_the_same(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert _dribble_until_closed(sock, b"X") is not None


def test_a_body_dribbled_byte_by_byte_is_cut_off_at_its_deadline(tmp_path: Path) -> None:
    key = run(["keys", "create", "--org", "acme", "--name", "slow"], cli_env(tmp_path))
    head = (
        b"POST /client/v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + key.stdout.strip().splitlines()[-1].encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    timeouts = {
        "GAUNTLET_HTTP_HEADER_TIMEOUT_SECONDS": "1",
        "GAUNTLET_HTTP_BODY_TIMEOUT_SECONDS": "3",
    }
    with _serving(tmp_path, **timeouts) as port, _connect(port) as sock:
        sock.sendall(head)
        closed_after = _dribble_until_closed(sock, b" ")
    # The head's deadline (1 s) was met; the body's (3 s) ends it, long before the test's.
    assert closed_after is not None and closed_after >= 2.5


def test_a_body_sent_in_time_is_answered(server: int) -> None:
    response = httpx.post(f"http://127.0.0.1:{server}/client/v1/apps", content=b"{}", timeout=10)
    assert response.status_code == 401  # it got through to the API's guard


def _answer_to(server: int, request_bytes: bytes) -> bytes:
    """What the server sends back to ``request_bytes`` until it closes the connection."""
    with _connect(server) as sock:
        sock.sendall(request_bytes)
        return _read_until_closed(sock)


def _refusal(answer: bytes) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``(status line, headers, JSON body)`` of a raw answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (ln.partition(": ") for ln in lines)}
    return status, headers, json.loads(body)


def _assert_enveloped(answer: bytes, status: str, code: str) -> dict[str, Any]:
    line, headers, body = _refusal(answer)
    assert line == status
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"
    assert "server" not in headers
    assert body["error"]["code"] == code
    assert body["meta"]["request_id"] == headers["x-request-id"]
    assert int(headers["content-length"]) == len(answer.partition(b"\r\n\r\n")[2])
    return body


# Heads over the server's 4096 bytes: one still growing, and whole ones (arriving in one
# read, complete before the server counts received bytes) too large by a header, by many
# headers or by their target.
OVERSIZED = {
    "still growing": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 8000,
    "one long header, whole": (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n"
    ),
    "many headers, whole": (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 40) for i in range(120))
        + b"\r\n"
    ),
    "a long target, whole": (
        b"GET /healthz?" + b"q" * 6000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    ),
}


@pytest.mark.parametrize("request_bytes", OVERSIZED.values(), ids=OVERSIZED.keys())
def test_an_oversized_head_gets_431_in_the_error_envelope_and_a_close(
    server: int, request_bytes: bytes
) -> None:
    body = _assert_enveloped(
        _answer_to(server, request_bytes),
        "HTTP/1.1 431 Request Header Fields Too Large",
        "HEADERS_TOO_LARGE",
    )
    assert "GAUNTLET_HTTP_MAX_HEADER_BYTES" in body["error"]["message"]


def test_a_head_within_the_bound_is_served(server: int) -> None:
    headers = {f"X-H{i}": "b" * 40 for i in range(50)}  # about 2.5 KB of 4096
    response = httpx.get(f"http://127.0.0.1:{server}/healthz", headers=headers, timeout=10)
    assert response.status_code == 200


# Bytes the parser refuses: not HTTP at all, a broken request line or header, and the
# framing ambiguities request smuggling lives on.
MALFORMED = {
    "a TLS hello on the plain port": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 40,
    "no request line": b"GARBAGE\r\n\r\n",
    "a header line without a colon": b"GET /healthz HTTP/1.1\r\nHost: x\r\nNo Colon\r\n\r\n",
    "a space in a header name": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n",
    "a bare CR in a header value": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
    "a NUL in the target": b"GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n",
    "an unknown HTTP version": b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
    "a chunk size that is not hex": (
        b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"
    ),
    "Content-Length beside chunked": (
        b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "two different Content-Lengths": (
        b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"
    ),
    "a negative Content-Length": (
        b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"
    ),
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_request_gets_400_in_the_error_envelope_and_a_close(
    server: int, request_bytes: bytes
) -> None:
    answer = _answer_to(server, request_bytes)
    _assert_enveloped(answer, "HTTP/1.1 400 Bad Request", "VALIDATION_ERROR")


def test_responses_do_not_name_the_server_and_idle_keep_alive_ends(server: int) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = _read_until_closed(sock)
    head = answer.split(b"\r\n\r\n", 1)[0].decode().lower().split("\r\n")
    assert head[0] == "http/1.1 200 ok"
    assert not any(line.startswith("server:") for line in head[1:])


def test_a_normal_request_still_works(server: int) -> None:
    response = httpx.get(f"http://127.0.0.1:{server}/healthz", timeout=10)

    assert response.status_code == 200
    assert "server" not in response.headers


def test_past_the_concurrency_limit_a_request_gets_503_in_the_error_envelope(
    tmp_path: Path,
) -> None:
    with _serving(tmp_path, GAUNTLET_HTTP_LIMIT_CONCURRENCY="3") as port, ExitStack() as held:
        # Three connections that have said nothing yet fill the limit (uvicorn counts
        # open connections as well as running requests).
        for _ in range(3):
            held.enter_context(_connect(port))
        time.sleep(0.5)  # the server has accepted them
        response = httpx.get(f"http://127.0.0.1:{port}/client/v1/apps", timeout=10)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "GAUNTLET_HTTP_LIMIT_CONCURRENCY" in body["error"]["message"]
    assert body["meta"]["request_id"] == response.headers["x-request-id"]
