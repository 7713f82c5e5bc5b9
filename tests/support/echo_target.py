"""A loopback target that reflects what it was sent, as a hostile (or merely chatty) API
does: the request's headers and query come back in the body, in a response header, and
in a redirect's Location. Tests use it to check that the app's credentials never come
back out of Gauntlet, and to see what a second origin received.

Routes (any method, any path below them):

- ``/echo`` → 200 JSON ``{"path", "query", "args", "headers"}`` (query as sent, args
  decoded, headers with lower-case names) and header ``X-Echo`` holding every header
  value and argument, joined by spaces
- ``/loop`` → 302 to ``/loop?seen=<the headers and args, JSON, percent-encoded>``: a
  redirect chain that never ends, each Location quoting the request
- ``/link?to=URL`` → 200 ``{"next": URL}`` (a link for a suite to extract and follow)
- ``/redirect?to=URL`` → 302 to URL

``requests`` lists every request as received: ``(method, target, headers)`` with the
target as sent (path and query) and headers with lower-case names.

Also here: ``AUTHS`` (an app auth of each type and the secrets it holds), ``leaked`` (the
spellings of those secrets found in a text), and the suite steps the secrets tests run.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

# Secrets with characters that encoding changes, so that every spelling is distinct.
AUTHS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "bearer": ({"type": "bearer", "token": "b3arer/tok+en=Q"}, ("b3arer/tok+en=Q",)),
    "basic": (
        {"type": "basic", "username": "ann-user", "password": "pa ss/w+rd=Q"},
        ("pa ss/w+rd=Q", base64.b64encode(b"ann-user:pa ss/w+rd=Q").decode()),
    ),
    "header": (
        {"type": "header", "name": "X-Api-Secret", "value": "h3ad/er+val=Q"},
        ("h3ad/er+val=Q",),
    ),
    "query": ({"type": "query", "name": "key", "value": "qu3ry/va l+ue=Q"}, ("qu3ry/va l+ue=Q",)),
}


def spellings(secret: str) -> set[str]:
    """A secret as a target may send it back."""
    raw = secret.encode()
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def leaked(text: str, secrets: tuple[str, ...]) -> list[str]:
    return sorted(form for secret in secrets for form in spellings(secret) if form in text)


def echoing_steps() -> list[dict[str, Any]]:
    """Steps whose records would quote the credentials: assertion actual values and
    reasons of every type, a redirect chain ending in an error that quotes the last
    Location, and a value extracted from the echo sent on in a later request."""
    never = "nothing-like-this"
    return [
        {
            "name": "assertions",
            "request": {"path": "/echo"},
            "assertions": [
                {"type": "json_path", "path": "$.headers", "op": "eq", "expected": {}},
                {"type": "json_path", "path": "$.query", "op": "eq", "expected": never},
                {"type": "json_path", "path": "$.args", "op": "eq", "expected": {"x": 1}},
                {"type": "body", "op": "eq", "expected": never},
                {"type": "header", "name": "x-echo", "op": "eq", "expected": never},
                {"type": "header", "name": "x-echo", "op": "matches", "expected": "^nothing$"},
                {
                    "type": "schema",
                    "schema": {
                        "type": "object",
                        "properties": {
                            "headers": {"additionalProperties": {"maxLength": 1}},
                            "query": {"maxLength": 1},
                        },
                    },
                },
            ],
            "extract": {"seen": "header:x-echo", "missing": "$.headers.nothing"},
        },
        {"name": "redirects", "request": {"path": "/loop"}},
        {
            "name": "extracted value sent on",
            "request": {"path": "/echo/{{seen}}", "query": {"again": "{{seen}}"}},
            "assertions": [{"type": "json_path", "path": "$.path", "op": "eq", "expected": never}],
        },
    ]


def following_steps(other_url: str) -> list[dict[str, Any]]:
    """Steps sending requests to ``other_url``'s origin: a run variable (``elsewhere``), a
    link extracted from the answer, a redirect there and one back (``home``)."""
    return [
        {"name": "run variable", "request": {"path": "{{elsewhere}}/echo"}},
        {
            "name": "link",
            "request": {"path": "/link", "query": {"to": other_url + "/echo/linked"}},
            "extract": {"next": "$.next"},
        },
        {"name": "extracted link", "request": {"path": "{{next}}"}},
        {
            "name": "redirect on the other origin",
            "request": {"path": "{{elsewhere}}/redirect", "query": {"to": "/echo/hop"}},
        },
        {
            "name": "redirect back to the base origin",
            "request": {"path": "{{elsewhere}}/redirect", "query": {"to": "{{home}}/echo/home"}},
        },
        {"name": "own origin", "request": {"path": "/echo/own"}},
    ]


class EchoTarget(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> EchoTarget:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def seen(self) -> str:
        """Everything received so far (request targets and headers) as one text."""
        with self.lock:
            return json.dumps(self.requests)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EchoTarget

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.server.lock:
            self.server.requests.append((self.command, self.path, headers))
        url = urlsplit(self.path)
        args = dict(parse_qsl(url.query, keep_blank_values=True))
        route = url.path.strip("/").split("/")[0]
        if route == "loop":
            reflected = {"headers": headers, "args": {k: v for k, v in args.items() if k != "seen"}}
            location = "/loop?seen=" + quote(json.dumps(reflected), safe="")
            self._send(302, b"", Location=location)
        elif route == "link":
            self._send(200, json.dumps({"next": args.get("to", "")}).encode())
        elif route == "redirect":
            self._send(302, b"", Location=args.get("to", "/echo"))
        else:
            payload = {"path": url.path, "query": url.query, "args": args, "headers": headers}
            shown = " ".join([*headers.values(), *args.values()])
            self._send(200, json.dumps(payload).encode(), X_Echo=shown)

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)


def running_echo_target() -> Iterator[EchoTarget]:
    """An echo target for as long as the fixture that yields from this lives."""
    server = EchoTarget().start()
    yield server
    server.stop()
