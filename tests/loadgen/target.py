"""A small, fast HTTP target for load tests: a pet store on a free loopback port.

Threaded stdlib server with HTTP/1.1 keep-alive, so Locust users reuse connections as
they would against a real API. Routes:

- ``POST /pets`` ``{"name": ...}`` → 201 ``{"id": n, "name": ...}``
- ``GET /pets/<id>`` → 200 the pet, 404 when unknown
- ``GET /ok`` → 200 ``{"ok": true}``; ``GET /fail`` → 500
- ``GET /echo`` → 200 with the request's headers (lower-case) and query
- ``GET /slow?ms=N`` → 200 after N ms
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class PetStore:
    def __init__(self) -> None:
        self.pets: dict[int, dict[str, Any]] = {}
        self.ids = itertools.count(1)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def hit(self, route: str) -> None:
        with self.lock:
            self.hits[route] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm holds
        # the body back until the client's delayed ACK (~40 ms per request).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        store = self.server.store
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length) or b"{}")
        if urlsplit(self.path).path != "/pets":
            self._send(404, {"error": "no route"})
            return
        store.hit("POST /pets")
        with store.lock:
            pet = {"id": next(store.ids), "name": data.get("name")}
            store.pets[pet["id"]] = pet
        self._send(201, pet)

    def do_GET(self) -> None:
        store = self.server.store
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/pets/"):
            store.hit("GET /pets/{id}")
            try:
                pet = store.pets.get(int(path.rsplit("/", 1)[1]))
            except ValueError:
                pet = None
            self._send(200, pet) if pet else self._send(404, {"error": "no such pet"})
        elif path == "/ok":
            store.hit("GET /ok")
            self._send(200, {"ok": True})
        elif path == "/fail":
            store.hit("GET /fail")
            self._send(500, {"error": "boom"})
        elif path == "/echo":
            store.hit("GET /echo")
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(200, {"headers": headers, "query": parse_qs(parts.query)})
        elif path == "/slow":
            store.hit("GET /slow")
            time.sleep(float(parse_qs(parts.query).get("ms", ["100"])[0]) / 1000)
            self._send(200, {"slow": True})
        else:
            self._send(404, {"error": "no route"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    store: PetStore

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Users killed at the end of a test drop their connections: not worth a traceback.
        pass


@contextmanager
def serve_petstore() -> Iterator[tuple[str, PetStore]]:
    """Run the target on a free loopback port; yields ``(base_url, store)``."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.store = PetStore()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.store
    finally:
        server.shutdown()
        server.server_close()
