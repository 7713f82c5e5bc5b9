"""A webhook receiver on a free loopback port, for tests and benchmarks: it records every
POST it gets (headers, raw body, arrival time) and answers as scripted.

``WebhookReceiver().start()``, then ``stop()``. ``script`` is a list of answers used one
per request, then ``default`` for the rest; an answer is a status code, ``"hang"`` (no
answer until ``stop()`` or ``hang_s``), or ``("redirect", url)`` (a 302 there).
``wait_for(n)`` polls with a deadline until ``n`` requests arrived.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"
Answer = int | str | tuple[str, str]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() on arrival

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    script: list[Answer] = field(default_factory=list)
    default: Answer = 200
    hang_s: float = 30.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                answer = receiver._record(
                    Received(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                        at=time.monotonic(),
                    )
                )
                if answer == "hang":
                    receiver._released.wait(receiver.hang_s)
                    self.close_connection = True
                    return
                if isinstance(answer, tuple):
                    self.send_response(302)
                    self.send_header("Location", answer[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                text = b'{"ok": true}' if answer < 300 else b'{"error": "scripted failure"}'
                self.send_response(int(answer))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}/hook"

    def _record(self, received: Received) -> Answer:
        with self._lock:
            index = len(self.received)
            self.received.append(received)
        return self.script[index] if index < len(self.script) else self.default

    def start(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The first ``count`` requests, once they arrived (AssertionError after
        ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = list(self.received)
            if len(got) >= count:
                return got[:count]
            assert time.monotonic() < deadline, f"{len(got)} of {count} webhook requests arrived"
            time.sleep(0.02)

    def of_type(self, event_type: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.headers.get("gauntlet-event") == event_type]
