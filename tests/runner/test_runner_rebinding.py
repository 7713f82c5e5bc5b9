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
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.rebinding import (
    INTERNAL,
    NAME,
    RecordingServer,
    allowed_and_internal,
    namespaced_python,
)

ROOT = Path(__file__).resolve().parents[2]

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


@pytest.fixture
def servers() -> Iterator[tuple[int, RecordingServer, RecordingServer]]:
    with allowed_and_internal() as servers:
        yield servers


@pytest.mark.parametrize("transport", ["stdlib", "httpcore"])
def test_a_rebound_name_and_a_redirect_to_a_denied_address_get_no_request_through(
    servers: tuple[int, RecordingServer, RecordingServer], tmp_path: Path, transport: str
) -> None:
    port, allowed, internal = servers
    python, hosts = namespaced_python(tmp_path, f"127.0.0.1 {NAME}\n127.0.0.2 {INTERNAL}\n")
    done = subprocess.run(
        [str(python), "-c", CLIENT, str(ROOT), str(port), str(hosts), transport, NAME, INTERNAL],
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
    assert internal.paths == []
    assert allowed.paths[0] == "/ok" and allowed.paths[-1].startswith("/go")
