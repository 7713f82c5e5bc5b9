"""A loopback stand-in for the API that Postman's "REST API basics: CRUD, test &
variable" template collection talks to: ``/info`` answers GET, POST, PUT and DELETE with
200 and a JSON message saying what it got, the way the template's public sample
server does. ``tests/data/postman/rest-api-basics.postman_collection.json`` is a
collection in that template's shape; its requests run green here.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class LearnerTarget(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> LearnerTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LearnerTarget

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.requests.append(f"{self.command} {self.path}")
        if url.path.rstrip("/") != "/info":
            return self._json(404, {"error": "not found"})
        body: dict[str, Any] = {
            "message": f"You made a {self.command} request!",
            "args": dict(parse_qsl(url.query)),
        }
        if raw:
            try:
                body["data"] = json.loads(raw)
            except ValueError:
                body["data"] = raw.decode("utf-8", "replace")
        self._json(200, body)

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer
