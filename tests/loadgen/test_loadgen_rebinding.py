"""DNS rebinding against a load test: a host name that resolves to an allowed address when
the test starts and to a denied one later. Every connection a virtual user opens is vetted
on the address it connects to, so the denied service never sees a request.

The name lives in /etc/hosts of a private mount namespace (``unshare -m``, a file bound
over /etc/hosts) that only the driver and its workers see; the test rewrites that file
mid-test. Both servers listen on loopback: the allowed one on 127.0.0.1, the "internal"
one on 127.0.0.2 (denied by the test's policy), on the same port.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from loadgen.config import StatsLine
from loadgen.process import LoadDriver
from tests.loadgen.factories import load_config
from tests.support.live_server import free_port
from tests.support.services import skip_or_fail

pytestmark = pytest.mark.slow
NAME = "rebind.gauntlet.test"


class Counting(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so every request is a new connection (and a
    # new resolution), as a target that closes idle connections would cause.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    def __init__(self, host: str, port: int) -> None:
        self.httpd = ThreadingHTTPServer((host, port), Counting)
        self.httpd.hits = 0  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def hits(self) -> int:
        return int(self.httpd.hits)  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[int, Server, Server]]:
    port = free_port()
    allowed, internal = Server("127.0.0.1", port), Server("127.0.0.2", port)
    yield port, allowed, internal
    allowed.stop()
    internal.stop()


@pytest.fixture
def namespaced_python(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for the python executable that runs it in a mount namespace of its own,
    with ``hosts`` bound over /etc/hosts; returns (that script, the hosts file)."""
    if (
        not shutil.which("unshare")
        or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
    ):
        skip_or_fail("needs unshare -m (util-linux, run as root) for a private /etc/hosts")
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 {NAME}\n")
    script = tmp_path / "python"
    script.write_text(
        "#!/bin/sh\n"
        f'exec unshare -m sh -c \'mount --bind {hosts} /etc/hosts && exec "$0" "$@"\' '
        f'{sys.executable} "$@"\n'
    )
    script.chmod(0o755)
    return script, hosts


@pytest.mark.parametrize("workers", [0, 2], ids=["in the driver", "on local workers"])
def test_a_name_rebound_to_a_denied_address_gets_no_request_through(
    servers: tuple[int, Server, Server], namespaced_python: tuple[Path, Path], workers: int
) -> None:
    port, allowed, internal = servers
    python, hosts = namespaced_python
    config = load_config(
        f"http://{NAME}:{port}",
        suites=[{"name": "ok", "steps": [{"name": "ok", "request": {"path": "/ok"}}]}],
        virtual_users=2,
        duration_secs=4,
        workers=workers,
        denied_hosts=["127.0.0.2"],
    )
    with LoadDriver(config, python=str(python)) as driver:
        for line in driver.lines():
            if isinstance(line, StatsLine) and line.requests > 0 and allowed.hits > 0:
                # Rewritten in place: the bind mount shows the same file, new content.
                hosts.write_text(f"127.0.0.2 {NAME}\n")
                break
        report = driver.wait(timeout=30)

    assert internal.hits == 0
    assert allowed.hits > 0 and report.totals.failures > 0
    denied = [e for e in report.errors if "resolves to 127.0.0.2, which is denied" in e.message]
    assert denied and denied[0].name == "/ok"
