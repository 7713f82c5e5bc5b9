"""A forwarding proxy in front of a mock that can change one thing in the answers of one
operation: the mutation harness's target. Without a mutant it forwards unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from actors.coverage import PathMatcher

# What a mutation may change: (status, headers, body) in, the same out, or None when the
# mutation does not apply to this answer (e.g. no enum property in the body).
Answer = tuple[int, dict[str, str], bytes]
Mutation = Callable[[Answer], Answer | None]
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "date",
}


@dataclass
class Mutant:
    operation: str  # "METHOD /path" as documented
    kind: str  # status, content_type, type, required, enum
    mutate: Mutation
    applied: int = 0  # answers it changed


class MutatingProxy:
    """Serves on ``url``, forwards to ``upstream``; ``mutant`` (set between runs) changes
    the 2xx answers of its operation."""

    def __init__(self, upstream: str, operations: list[tuple[str, str]], port: int) -> None:
        self.upstream = upstream.rstrip("/")
        self.matcher = PathMatcher(operations)
        self.mutant: Mutant | None = None
        self._http = httpx.Client(timeout=30, trust_env=False)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _forward(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = self._http.request(
            handler.command, self.upstream + handler.path, headers=headers, content=body
        )
        answer: Answer = (
            upstream.status_code,
            {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP},
            upstream.content,
        )
        mutant = self.mutant
        if mutant is not None and 200 <= answer[0] < 300:
            key = self.matcher.match(handler.command, handler.path.split("?", 1)[0])
            if key is not None and f"{key[0]} {key[1]}" == mutant.operation:
                changed = mutant.mutate(answer)
                if changed is not None:
                    answer = changed
                    with self._lock:
                        mutant.applied += 1
        status, out_headers, content = answer
        handler.send_response(status)
        for name, value in out_headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(content)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()
