"""Benchmark targets: a static JSON file served by nginx (one worker) when it is
installed, else by a minimal asyncio server answering a fixed response."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.services import free_port

PAYLOAD = b'{"id": 1, "name": "rex", "tag": "dog"}'
PATH = "/pet.json"

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ root {dir}/www; default_type application/json; }}
    }}
}}
"""

FALLBACK_SERVER = """
import asyncio, sys
BODY = {payload!r}
RESPONSE = (b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: "
            + str(len(BODY)).encode() + b"\\r\\n\\r\\n" + BODY)
class Http(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while b"\\r\\n\\r\\n" in self.buffer:
            _, self.buffer = self.buffer.split(b"\\r\\n\\r\\n", 1)
            self.transport.write(RESPONSE)
async def main():
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", {port})
    await server.serve_forever()
asyncio.run(main())
"""


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def pinned_to(cpu: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that keeps a child process (and its own children) on one CPU,
    or None for no pinning (``cpu`` None, or a platform without affinity)."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@contextmanager
def static_target(cpu: int | None = None) -> Iterator[tuple[str, str, str]]:
    """Serve ``PAYLOAD`` at ``PATH``; yields ``(base_url, path, description)``.
    With ``cpu``, the server runs on that CPU only."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-bench-"))
    workdir.chmod(0o755)  # nginx's workers may run as another user
    try:
        if shutil.which("nginx"):
            (workdir / "www").mkdir(mode=0o755)
            (workdir / "www" / PATH.lstrip("/")).write_bytes(PAYLOAD)
            conf = workdir / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=workdir, port=port))
            command = ["nginx", "-p", str(workdir), "-c", str(conf)]
            description = "nginx (1 worker process), static JSON"
        else:
            script = workdir / "server.py"
            script.write_text(FALLBACK_SERVER.format(payload=PAYLOAD, port=port))
            command = [sys.executable, str(script)]
            description = "asyncio fixed-response server (nginx not installed)"
        server = subprocess.Popen(command, stderr=subprocess.DEVNULL, preexec_fn=pinned_to(cpu))
        try:
            wait_for_port(port)
            yield f"http://127.0.0.1:{port}", PATH, description
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
