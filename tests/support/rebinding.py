"""What the DNS-rebinding tests share: two recording servers on one port, an allowed one
on 127.0.0.1 and an "internal" one on 127.0.0.2, and a python that runs in a mount
namespace of its own with a file of the test's bound over /etc/hosts, so that a name the
test rewrites resolves differently from one connection to the next, for that process
alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.live_server import free_port
from tests.support.services import skip_or_fail

NAME = "rebind.gauntlet.test"
INTERNAL = "internal.gauntlet.test"


class _Recording(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so every request is a new connection (and a
    # new resolution), as a target that closes idle connections would cause.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/go?to="):  # a redirect to wherever ``to`` says
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class RecordingServer:
    """A threaded HTTP server on ``host:port`` that records every request's path."""

    def __init__(self, host: str, port: int) -> None:
        self.httpd = ThreadingHTTPServer((host, port), _Recording)
        self.httpd.paths = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def paths(self) -> list[str]:
        return list(self.httpd.paths)  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def allowed_and_internal() -> Iterator[tuple[int, RecordingServer, RecordingServer]]:
    """(port, the server on 127.0.0.1, the server on 127.0.0.2), both on that port."""
    port = free_port()
    allowed, internal = RecordingServer("127.0.0.1", port), RecordingServer("127.0.0.2", port)
    try:
        yield port, allowed, internal
    finally:
        allowed.stop()
        internal.stop()


def namespaced_python(folder: Path, hosts_text: str) -> tuple[Path, Path]:
    """A stand-in for the python executable that runs it in a mount namespace of its own,
    with a hosts file (first holding ``hosts_text``) bound over /etc/hosts; returns (that
    script, the hosts file). Rewriting the file in place changes what the names resolve
    to for that process and its children alone."""
    if (
        not shutil.which("unshare")
        or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
    ):
        skip_or_fail("needs unshare -m (util-linux, run as root) for a private /etc/hosts")
    hosts = folder / "hosts"
    hosts.write_text(hosts_text)
    script = folder / "python"
    script.write_text(
        "#!/bin/sh\n"
        f'exec unshare -m sh -c \'mount --bind {hosts} /etc/hosts && exec "$0" "$@"\' '
        f'{sys.executable} "$@"\n'
    )
    script.chmod(0o755)
    return script, hosts
