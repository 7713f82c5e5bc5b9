"""A pets API on a free loopback port whose contract the test changes while it runs:
the ``name`` field renamed to ``title``, the create status changed, an ``updatedAt``
timestamp added, reads failing with a server error (always, or every other one)."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class ChangingTarget(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.rename_name = False
        self.create_status = 201
        self.timestamps = False
        self.read_status = 200
        self.flapping = False
        self.reads = 0
        self.lock = threading.Lock()
        self.requests: list[str] = []
        # A short poll interval so that stopping takes milliseconds, not half a second.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> ChangingTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def reset(self) -> None:
        """Back to the original contract."""
        self.rename_name, self.create_status, self.timestamps = False, 201, False
        self.read_status, self.flapping = 200, False
        with self.lock:
            self.requests.clear()

    def pet(self, pet_id: int, name: str) -> dict[str, Any]:
        pet: dict[str, Any] = {"id": pet_id, ("title" if self.rename_name else "name"): name}
        pet["kind"] = "dog"
        if self.timestamps:
            # Microseconds: two calls in a row never agree, as with a real clock.
            pet["updatedAt"] = datetime.now(UTC).isoformat(timespec="microseconds")
        return pet


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ChangingTarget

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append(f"{method} {self.path}")
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        if method == "POST" and parts == ["pets"]:
            name = json.loads(body or b"{}").get("name", "")
            return self._json(self.server.create_status, self.server.pet(7, name))
        if method == "GET" and len(parts) == 2 and parts[0] == "pets" and parts[1].isdigit():
            with self.server.lock:
                self.server.reads += 1
                flap = self.server.flapping and self.server.reads % 2 == 0
            status = 503 if flap else self.server.read_status
            if status != 200:
                return self._json(status, {"error": "unavailable"})
            return self._json(200, self.server.pet(int(parts[1]), "rex"))
        return self._json(404, {"error": "not found"})

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)


def pets_suite(name: str = "pets baseline") -> dict[str, Any]:
    """Create then read a pet: passes against the original contract."""
    return {
        "name": name,
        "steps": [
            {
                "name": "create",
                "request": {"method": "POST", "path": "/pets", "body": {"name": "rex"}},
                "assertions": [
                    {"type": "status_code", "expected": 201},
                    {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
                ],
                "extract": {"petId": "$.id"},
            },
            {
                "name": "read",
                "request": {"method": "GET", "path": "/pets/{{petId}}"},
                "assertions": [
                    {"type": "status_code", "expected": 200},
                    {
                        "type": "json_path",
                        "path": "$",
                        "op": "eq",
                        "expected": {"id": 7, "name": "rex", "kind": "dog"},
                    },
                    {"type": "json_path", "path": "$.kind", "op": "eq", "expected": "dog"},
                    {
                        "type": "schema",
                        "schema": {
                            "type": "object",
                            "required": ["id", "name"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "kind": {"type": "string"},
                            },
                            "additionalProperties": False,
                        },
                    },
                    {
                        "type": "header",
                        "name": "content-type",
                        "op": "contains",
                        "expected": "json",
                    },
                ],
            },
        ],
    }
