"""A small pets API on a free loopback port: the target of end-to-end job tests.

Its behaviour can be changed while it runs (``slow_ms``, ``fail_reads``) so tests can
watch a job react. Threaded, HTTP/1.1 keep-alive, Nagle off (no 40 ms delayed-ACK stalls).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class PetsTarget(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pets: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.lock = threading.Lock()
        self.slow_ms = 0
        self.fail_reads = False
        self.requests = 0
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> PetsTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: PetsTarget

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests += 1
            slow = self.server.slow_ms
        if slow:
            time.sleep(slow / 1000)
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        if parts == ["health"]:
            return self._json(200, {"ok": True})
        if parts[:1] != ["pets"]:
            return self._json(404, {"error": "not found"})
        if len(parts) == 1 and method == "POST":
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return self._json(400, {"error": "invalid json"})
            if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
                return self._json(400, {"error": "name is required"})
            with self.server.lock:
                pet = {"id": self.server.next_id, "name": payload["name"]}
                self.server.pets[pet["id"]] = pet
                self.server.next_id += 1
            return self._json(201, pet)
        if len(parts) == 1 and method == "GET":
            with self.server.lock:
                return self._json(200, list(self.server.pets.values()))
        if len(parts) == 2 and parts[1].isdigit():
            pet_id = int(parts[1])
            with self.server.lock:
                pet = self.server.pets.get(pet_id)
                if method == "DELETE" and pet:
                    del self.server.pets[pet_id]
                    return self._send(204, b"", "application/json")
            if pet is None or self.server.fail_reads:
                return self._json(404, {"error": "no such pet"})
            return self._json(200, pet)
        return self._json(405, {"error": "method not allowed"})

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


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
