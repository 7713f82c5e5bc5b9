"""DNS rebinding against the runner's client, with each transport: a host name that
resolves to an allowed address for the first request and to a denied one for the next
connection, and a redirect to a name that resolves to a denied address. The address
connected to is vetted, so the denied server never sees a request.

The names live in /etc/hosts of a private mount namespace (``unshare -m``, a file bound
over /etc/hosts) that only the client's process sees; the client rewrites that file
between its requests. Both servers listen on loopback: the allowed one on 127.0.0.1, the
"internal" one on 127.0.0.2 (denied by the client's policy), on the same port.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import free_port
from tests.support.services import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
NAME = "rebind.gauntlet.test"
INTERNAL = "internal.gauntlet.test"

CLIENT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from runner import HostPolicy, OutgoingRequest, TargetClient, TargetError
port, hosts, transport = int(sys.argv[2]), sys.argv[3], sys.argv[4]
name, internal = sys.argv[5], sys.argv[6]
def send(client, url):
    try:
        return client.send(OutgoingRequest("GET", url)).status
    except TargetError as exc:
        return [exc.kind, exc.message]
outcomes = []
with TargetClient(policy=HostPolicy(denied=("127.0.0.2",)), transport=transport) as client:
    outcomes.append(send(client, f"http://{name}:{port}/ok"))
    with open(hosts, "w") as f:  # the bind mount shows the same file, new content
        f.write(f"127.0.0.2 {name}\\n127.0.0.2 {internal}\\n")
    outcomes.append(send(client, f"http://{name}:{port}/ok"))
    outcomes.append(send(client, f"http://127.0.0.1:{port}/go?to=http://{internal}:{port}/ok"))
print(json.dumps(outcomes))
"""


class Counting(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so every request is a new connection (and a
    # new resolution), as a target that closes idle connections would cause.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/go?to="):
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


class Server:
    def __init__(self, host: str, port: int) -> None:
        self.httpd = ThreadingHTTPServer((host, port), Counting)
        self.httpd.hits = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def hits(self) -> list[str]:
        return list(self.httpd.hits)  # type: ignore[attr-defined]

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


@pytest.mark.parametrize("transport", ["stdlib", "httpcore"])
def test_a_rebound_name_and_a_redirect_to_a_denied_address_get_no_request_through(
    servers: tuple[int, Server, Server], tmp_path: Path, transport: str
) -> None:
    if (
        not shutil.which("unshare")
        or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
    ):
        skip_or_fail("needs unshare -m (util-linux, run as root) for a private /etc/hosts")
    port, allowed, internal = servers
    hosts = tmp_path / "hosts"
    hosts.write_text(f"127.0.0.1 {NAME}\n127.0.0.2 {INTERNAL}\n")
    done = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            f'mount --bind {hosts} /etc/hosts && exec "$0" "$@"',
            sys.executable,
            "-c",
            CLIENT,
            str(ROOT),
            str(port),
            str(hosts),
            transport,
            NAME,
            INTERNAL,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    first, rebound, redirected = json.loads(done.stdout)

    assert first == 200
    assert rebound == ["denied", f"target host {NAME} resolves to 127.0.0.2, which is denied"]
    assert redirected == [
        "denied",
        f"target host {INTERNAL} resolves to 127.0.0.2, which is denied",
    ]
    assert internal.hits == []
    assert allowed.hits[0] == "/ok" and allowed.hits[-1].startswith("/go")
