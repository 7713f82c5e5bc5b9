"""DNS rebinding against a load test: a host name that resolves to an allowed address when
the test starts and to a denied one later. Every connection a virtual user opens is vetted
on the address it connects to, so the denied service never sees a request.

The name lives in /etc/hosts of a private mount namespace (``unshare -m``, a file bound
over /etc/hosts) that only the driver and its workers see; the test rewrites that file
mid-test. Both servers listen on loopback: the allowed one on 127.0.0.1, the "internal"
one on 127.0.0.2 (denied by the test's policy), on the same port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadgen.config import StatsLine
from loadgen.process import LoadDriver
from tests.loadgen.factories import load_config
from tests.support.rebinding import NAME, RecordingServer, allowed_and_internal, namespaced_python

pytestmark = pytest.mark.slow


@pytest.fixture
def servers() -> Iterator[tuple[int, RecordingServer, RecordingServer]]:
    with allowed_and_internal() as servers:
        yield servers


@pytest.mark.parametrize("workers", [0, 2], ids=["in the driver", "on local workers"])
def test_a_name_rebound_to_a_denied_address_gets_no_request_through(
    servers: tuple[int, RecordingServer, RecordingServer], tmp_path: Path, workers: int
) -> None:
    port, allowed, internal = servers
    python, hosts = namespaced_python(tmp_path, f"127.0.0.1 {NAME}\n")
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
            if isinstance(line, StatsLine) and line.requests > 0 and allowed.paths:
                # Rewritten in place: the bind mount shows the same file, new content.
                hosts.write_text(f"127.0.0.2 {NAME}\n")
                break
        report = driver.wait(timeout=30)

    assert internal.paths == []
    assert allowed.paths and report.totals.failures > 0
    denied = [e for e in report.errors if "resolves to 127.0.0.2, which is denied" in e.message]
    assert denied and denied[0].name == "/ok"
