"""Fixtures for the step runner: a real, deliberately misbehaving HTTP target on a free
loopback port, clients with small timeouts, and factories for suites and responses."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from runner import TargetClient

BIG_BODY_BYTES = 10 * 1024 * 1024
HANG_SECONDS = 5.0


class _Target(ThreadingHTTPServer):
    daemon_threads = True
    # Requests from several tests overlap (run_suites); a deep backlog avoids refusals.
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pets: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.hits: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, delayed ACKs add 40 ms.
    disable_nagle_algorithm = True
    server: _Target

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_PUT(self) -> None:
        self._route()

    def do_DELETE(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.hits.append(url.path)
        parts = [p for p in url.path.split("/") if p]
        head = parts[0] if parts else ""
        handler = getattr(self, f"_{head.replace('-', '_')}", None)
        if handler is None:
            self._json(404, {"error": f"no route {url.path}"})
        else:
            handler(parts[1:], args, body)

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any, **headers: str) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", **headers)

    def _pets(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        if self.command == "POST":
            data = json.loads(body or b"{}")
            with self.server.lock:
                pet_id = self.server.next_id
                self.server.next_id += 1
                pet = {"id": pet_id, "createdAt": datetime.now(UTC).isoformat(), **data}
                self.server.pets[pet_id] = pet
            self._json(201, pet, Location=f"/pets/{pet_id}")
            return
        found = self.server.pets.get(int(rest[0])) if rest and rest[0].isdigit() else None
        if found is None:
            self._json(404, {"error": "no such pet"})
        else:
            self._json(200, found)

    def _echo(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._json(
            200,
            {
                "method": self.command,
                "path": urlsplit(self.path).path,
                "query": urlsplit(self.path).query,
                "args": args,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            },
            X_Trace="abc-123",
        )

    def _status(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._json(int(rest[0]), {"status": int(rest[0])})

    def _html(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._send(200, b"<html><body>" + b"x" * 1200 + b"</body></html>", "text/html")

    def _slow(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        time.sleep(float(args.get("ms", "100")) / 1000)
        self._json(200, {"slow": True})

    def _hang(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        # Never answers within any client timeout used here; released at teardown.
        self.server.release.wait(HANG_SECONDS)
        self.close_connection = True

    def _reset(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        # SO_LINGER with a zero timeout makes close() send a TCP RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _big(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(BIG_BODY_BYTES))
        self.end_headers()
        chunk = b"[" + b"1," * 32767 + b"1"  # 64 KiB that never closes the JSON array
        try:
            for _ in range(BIG_BODY_BYTES // len(chunk)):
                self.wfile.write(chunk)
            self.wfile.write(b"1" * (BIG_BODY_BYTES % len(chunk)))
        except OSError:
            pass  # the client stopped reading at its cap and closed: expected
        self.close_connection = True

    def _loop(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._send(302, b"", "text/plain", Location="/loop")

    def _redirect(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._send(int(args.get("code", "302")), b"", "text/plain", Location=args["to"])

    def _cookie(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        if rest and rest[0] == "set":
            self._json(200, {"set": True}, Set_Cookie="session=s3cret-session; Path=/")
        else:
            self._json(200, {"cookie": self.headers.get("cookie")})


@pytest.fixture(scope="session")
def target() -> Iterator[_Target]:
    """A real HTTP target on a free loopback port, for the whole session."""
    server = _Target()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def base_url(target: _Target) -> str:
    host, port = target.server_address[:2]
    return f"http://{host!s}:{port}"


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (a port just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def client() -> Iterator[TargetClient]:
    """A client with timeouts small enough to keep the misbehaviour tests fast."""
    with TargetClient(connect_timeout=1.0, read_timeout=0.5, total_timeout=5.0) as c:
        yield c
