"""A real nginx (Debian's package) in front of services on loopback, for gateway tests.

It runs in the foreground (``daemon off``) as a child of the test, with its
configuration, pid file and temporary files in a directory of its own, on a free
loopback port. Without ``/usr/sbin/nginx`` the test is skipped, except under
``CI=true`` where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.support.services import free_port, skip_or_fail

NGINX_CANDIDATES = ("/usr/sbin/nginx", "nginx")
# Every temporary path nginx may write, kept in the test's directory (the package's
# defaults under /var/lib/nginx need root).
TEMP_PATHS = {
    "client_body_temp_path": "body",
    "proxy_temp_path": "proxy",
    "fastcgi_temp_path": "fastcgi",
    "uwsgi_temp_path": "uwsgi",
    "scgi_temp_path": "scgi",
}


def nginx_binary() -> str | None:
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Nginx:
    """nginx serving ``server_block`` (the body of one ``server {}``; ``{port}`` is its
    listening port) from ``directory`` until :meth:`stop`."""

    def __init__(self, directory: Path, server_block: str) -> None:
        binary = nginx_binary()
        if binary is None:
            skip_or_fail("nginx is not installed (apt-get install nginx)")
        assert binary is not None
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        for name in TEMP_PATHS.values():
            (directory / name).mkdir(parents=True, exist_ok=True)
        temp_paths = "\n".join(f"    {d} {directory / n};" for d, n in TEMP_PATHS.items())
        # As root, workers would switch to 'nobody', who cannot read the test's directory.
        user = "user root;" if os.geteuid() == 0 else ""
        self.config = directory / "nginx.conf"
        self.config.write_text(
            f"""
{user}
daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp_paths}
    server {{
        listen 127.0.0.1:{self.port};
{server_block.replace("{port}", str(self.port))}
    }}
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> Nginx:
        check = subprocess.run(
            [self.binary, "-t", "-p", str(self.directory), "-c", str(self.config)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.directory), "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                _, err = self.process.communicate()
                raise RuntimeError(f"nginx exited: {err.decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start listening") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
