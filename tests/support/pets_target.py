"""The one loopback HTTP target of the tests: a small pets API, and the routes a test uses
to watch a client meet a misbehaving server.

A threaded stdlib server on a free loopback port (HTTP/1.1 keep-alive, Nagle off, so no
40 ms delayed-ACK stalls): ``PetsTarget(...).start()``, then ``stop()``.

Pets (``openapi_document()`` describes them):

- ``POST /pets`` ``{"name": "..."}`` → 201 the new pet; 400 without a string ``name``
- ``GET /pets`` → 200 every pet; ``GET /pets/<id>`` → 200 the pet, 404 when unknown
- ``DELETE /pets/<id>`` → 204, 404 when unknown
- a pet is ``{"id": n, "name": ...}`` and whatever the options below add

Other routes (any method):

- ``/health`` → 200 ``{"ok": true}``
- ``/echo`` → 200 with the request as the target saw it: ``method``, ``path``, ``query``
  (as sent), ``args`` (the first value of each query parameter), ``headers``
  (lower-case names) and ``body``; header ``X-Trace: abc-123``
- ``/status/<code>`` → that status; ``/slow?ms=N`` → 200 after N ms (100 by default)
- ``/html`` → a 1.2 KB HTML page
- ``/hang`` → no answer until ``stop()`` (5 s at most); ``/reset`` → a TCP reset
- ``/big`` → a 10 MiB body that never closes its JSON
- ``/loop`` → 302 to itself; ``/redirect?to=URL&code=302`` → that redirect
- ``/cookie/set`` → sets ``session=s3cret-session``; ``/cookie/get`` → the Cookie it got

Options, as keyword arguments. The first six are attributes a test may change while the
target runs; ``reset()`` puts back the values it was created with:

- ``slow_ms``: every request waits this long before it is answered
- ``create_status``: the status of a ``POST /pets`` that creates (201)
- ``read_status``: anything but 200 makes ``GET /pets/<id>`` answer it, with an error body
- ``flapping``: every second ``GET /pets/<id>`` answers 503
- ``rename_name``: pets carry ``title`` where they carried ``name``
- ``timestamps``: pets carry ``updatedAt``, the time of the answer to the microsecond (two
  identical reads never agree, as with a real clock)
- ``fields``: added to every pet (e.g. ``{"kind": "dog"}``)
- ``same_id``: every create gets this id, replacing the pet there, so that repeated runs
  see identical bodies
- ``pets``: the pets there from the start (and again after ``reset()``), by id
- ``request_ids``: every answer carries a fresh ``X-Request-Id`` header

``requests`` lists every request as ``"METHOD /path?query"``, in order; ``hits(prefix)``
counts those that start with ``prefix``.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BIG_BODY_BYTES = 10 * 1024 * 1024
HANG_SECONDS = 5.0


class PetsTarget(ThreadingHTTPServer):
    daemon_threads = True
    # Requests overlap (load tests, run_suites): a deep backlog avoids refused connections.
    request_queue_size = 128

    def __init__(
        self,
        *,
        slow_ms: int = 0,
        create_status: int = 201,
        read_status: int = 200,
        flapping: bool = False,
        rename_name: bool = False,
        timestamps: bool = False,
        fields: Mapping[str, Any] | None = None,
        same_id: int | None = None,
        pets: Mapping[int, Mapping[str, Any]] | None = None,
        request_ids: bool = False,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._initial: dict[str, Any] = {
            "slow_ms": slow_ms,
            "create_status": create_status,
            "read_status": read_status,
            "flapping": flapping,
            "rename_name": rename_name,
            "timestamps": timestamps,
        }
        self.slow_ms = slow_ms
        self.create_status = create_status
        self.read_status = read_status
        self.flapping = flapping
        self.rename_name = rename_name
        self.timestamps = timestamps
        self.fields = dict(fields or {})
        self.same_id = same_id
        self.request_ids = request_ids
        self._seed = {pet_id: dict(pet) for pet_id, pet in (pets or {}).items()}
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.requests: list[str] = []
        self.pets: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.reads = 0
        self.reset()
        # A short poll interval so that stopping takes milliseconds, not half a second.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> PetsTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        """The options and the pets it was created with; no requests seen."""
        for name, value in self._initial.items():
            setattr(self, name, value)
        with self.lock:
            self.pets = {pet_id: dict(pet) for pet_id, pet in self._seed.items()}
            self.next_id = max(self.pets, default=0) + 1
            self.reads = 0
            self.requests.clear()

    def hits(self, prefix: str = "") -> int:
        """How many requests so far start with ``prefix`` (e.g. ``"GET /pets/"``)."""
        with self.lock:
            return sum(r.startswith(prefix) for r in self.requests)

    def present(self, pet_id: int) -> dict[str, Any]:
        """Pet ``pet_id`` as an answer shows it (call with ``lock`` held)."""
        name_field = "title" if self.rename_name else "name"
        pet = {"id": pet_id, name_field: self.pets[pet_id]["name"], **self.fields}
        if self.timestamps:
            pet["updatedAt"] = datetime.now(UTC).isoformat(timespec="microseconds")
        return pet

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (load test users stopped at the end, a client
        # that stops reading a big body) is expected: not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


Route = Callable[["_Handler", list[str], dict[str, str], bytes], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, delayed ACKs add 40 ms.
    disable_nagle_algorithm = True
    server: PetsTarget

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
            self.server.requests.append(f"{self.command} {self.path}")
            slow = self.server.slow_ms
        if slow:
            time.sleep(slow / 1000)
        parts = [p for p in url.path.split("/") if p]
        route = ROUTES.get(parts[0]) if parts else None
        if route is None:
            self._json(404, {"error": "not found"})
        else:
            route(self, parts[1:], args, body)

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.server.request_ids:
            self.send_header("X-Request-Id", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any, **headers: str) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", **headers)

    # Pets.

    def route_pets(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        server = self.server
        if not rest and self.command == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return self._json(400, {"error": "invalid json"})
            if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
                return self._json(400, {"error": "name is required"})
            with server.lock:
                pet_id = server.next_id if server.same_id is None else server.same_id
                server.next_id = max(server.next_id, pet_id + 1)
                server.pets[pet_id] = {"name": payload["name"]}
                pet = server.present(pet_id)
            return self._json(server.create_status, pet)
        if not rest and self.command == "GET":
            with server.lock:
                every = [server.present(pet_id) for pet_id in server.pets]
            return self._json(200, every)
        if len(rest) == 1 and rest[0].isdigit():
            pet_id = int(rest[0])
            if self.command == "GET":
                with server.lock:
                    server.reads += 1
                    flap = server.flapping and server.reads % 2 == 0
                status = 503 if flap else server.read_status
                if status != 200:
                    return self._json(status, {"error": "unavailable"})
            with server.lock:
                found = pet_id in server.pets
                shown = server.present(pet_id) if found else None
                if found and self.command == "DELETE":
                    del server.pets[pet_id]
            if shown is None:
                return self._json(404, {"error": "no such pet"})
            if self.command == "DELETE":
                return self._send(204, b"", "application/json")
            return self._json(200, shown)
        return self._json(405, {"error": "method not allowed"})

    def route_health(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._json(200, {"ok": True})

    # What a client meets on the way.

    def route_echo(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        url = urlsplit(self.path)
        self._json(
            200,
            {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "args": args,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            },
            X_Trace="abc-123",
        )

    def route_status(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._json(int(rest[0]), {"status": int(rest[0])})

    def route_slow(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        time.sleep(float(args.get("ms", "100")) / 1000)
        self._json(200, {"slow": True})

    def route_html(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._send(200, b"<html><body>" + b"x" * 1200 + b"</body></html>", "text/html")

    def route_hang(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        # Never answers within any client timeout used here; released by stop().
        self.server.release.wait(HANG_SECONDS)
        self.close_connection = True

    def route_reset(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        # SO_LINGER with a zero timeout makes close() send a TCP RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def route_big(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
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

    def route_loop(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._send(302, b"", "text/plain", Location="/loop")

    def route_redirect(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        self._send(int(args.get("code", "302")), b"", "text/plain", Location=args["to"])

    def route_cookie(self, rest: list[str], args: dict[str, str], body: bytes) -> None:
        if rest and rest[0] == "set":
            self._json(200, {"set": True}, Set_Cookie="session=s3cret-session; Path=/")
        else:
            self._json(200, {"cookie": self.headers.get("cookie")})


ROUTES: dict[str, Route] = {
    name: getattr(_Handler, f"route_{name}")
    for name in (
        "pets",
        "health",
        "echo",
        "status",
        "slow",
        "html",
        "hang",
        "reset",
        "big",
        "loop",
        "redirect",
        "cookie",
    )
}


def openapi_document() -> dict[str, Any]:
    """A truthful OpenAPI description of this target's pets API."""
    pet = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    json_of = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
    pet_id = [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "pets target", "version": "1"},
        "paths": {
            "/health": {"get": {"responses": {"200": {"description": "up"}}}},
            "/pets": {
                "get": {
                    "responses": {
                        "200": {"description": "all", "content": json_of({"type": "array"})}
                    }
                },
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": json_of(
                            {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string", "minLength": 1}},
                            }
                        ),
                    },
                    "responses": {
                        "201": {"description": "made", "content": json_of(pet)},
                        "400": {"description": "bad"},
                    },
                },
            },
            "/pets/{petId}": {
                "parameters": pet_id,
                "get": {
                    "responses": {
                        "200": {"description": "one", "content": json_of(pet)},
                        "404": {"description": "none"},
                    }
                },
                "delete": {
                    "responses": {"204": {"description": "gone"}, "404": {"description": "none"}}
                },
            },
        },
    }
