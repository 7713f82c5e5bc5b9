"""The client's connection against a loopback server that answers what a test scripts:
retries where the API asks for them, never where a retry could do a write twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from orchestrator.client.errors import ClientError
from orchestrator.client.http import Api


class Scripted(ThreadingHTTPServer):
    """Answers each request with the next (status, body) of ``answers``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[tuple[int, Any]] = []
        self.seen: list[str] = []
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Scripted

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.server.seen.append(f"{self.command} {self.path} {self.headers.get('authorization')}")
        status, body = self.server.answers.pop(0)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer


@pytest.fixture
def server() -> Iterator[Scripted]:
    scripted = Scripted()
    yield scripted
    scripted.shutdown()
    scripted.server_close()


def error(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": code.lower()}, "meta": {}}


def test_reads_are_retried_after_429_and_503(server: Scripted) -> None:
    server.answers = [
        (429, error("RATE_LIMITED")),
        (503, error("SERVICE_UNAVAILABLE")),
        (200, {"data": {"ok": True}, "meta": {}}),
    ]

    with Api(server.url, "gnt_k") as api:
        assert api.data("GET", "/jobs/job_1") == {"ok": True}

    assert server.seen == ["GET /client/v1/jobs/job_1 Bearer gnt_k"] * 3


def test_a_write_is_retried_after_429_but_not_after_503(server: Scripted) -> None:
    server.answers = [
        (429, error("RATE_LIMITED")),
        (202, {"data": {"job_id": "j"}, "meta": {}}),
        (503, error("SERVICE_UNAVAILABLE")),
    ]

    with Api(server.url, "gnt_k") as api:
        assert api.data("POST", "/apps/a/test-suites/run", json={}) == {"job_id": "j"}
        with pytest.raises(ClientError) as caught:
            api.data("POST", "/apps/a/test-suites/run", json={})

    assert caught.value.message == "503 SERVICE_UNAVAILABLE: service_unavailable"
    assert len(server.seen) == 3


def test_delete_accepts_204_and_200_with_an_envelope(server: Scripted) -> None:
    server.answers = [(204, None), (200, {"data": {"id": "x", "deleted": True}, "meta": {}})]

    with Api(server.url, "gnt_k") as api:
        api.delete("/apps/a/test-suites/x")
        api.delete("/apps/a/test-suites/x")

    assert len(server.seen) == 2
