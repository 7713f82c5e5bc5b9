"""Services a test can take down and bring back: a private Redis stopped and restarted on
the same port (what a client sees as an outage), and a small filesystem that fills up.

Built on ``tests/support/services.py``; skip-or-fail rules are the same (a missing
server or an unavailable mount skips, except in CI where it fails).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import services


class StoppableRedis:
    """A memory-only redis-server of our own whose port survives :meth:`stop`/:meth:`start`."""

    def __init__(self) -> None:
        binary = services.redis_server_binary()
        if binary is None:
            services.skip_or_fail("needs redis-server on PATH")
        assert binary is not None
        self.binary = binary
        self.port = services.free_port()
        self.url = f"redis://{services.LOOPBACK}:{self.port}/0"
        self.workdir = Path(tempfile.mkdtemp(prefix="gauntlet-outage-redis-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--dir", str(self.workdir)]
        for name, value in services.REDIS_SETTINGS.items():
            args += [f"--{name}", value]
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        services.wait_until(
            lambda: services.redis_ping(services.LOOPBACK, self.port),
            timeout_s=services.START_TIMEOUT_S,
            what="redis-server",
            process=self.process,
        )

    def stop(self) -> None:
        if self.process is not None:
            services.stop_process(self.process, signal.SIGTERM)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def stoppable_redis() -> Iterator[StoppableRedis]:
    server = StoppableRedis()
    try:
        yield server
    finally:
        server.close()


class StoppablePostgres:
    """A private PostgreSQL cluster of our own (``services.start_postgres``) that can be
    stopped ("fast" shutdown: clients are cut off) and started again on its port."""

    def __init__(self) -> None:
        try:
            self.server = services.start_postgres()
        except services.MissingServer as exc:
            services.skip_or_fail(f"needs PostgreSQL: {exc}")
            raise
        self.url = self.server.url
        self.port = services.server_port(self.url)
        bindir = services.postgres_bindir()
        assert bindir is not None
        self.args = [str(bindir / "postgres"), "-D", str(self.server.workdir / "data")]
        self.args += ["-p", str(self.port)]
        settings = {**services.POSTGRES_SETTINGS, "listen_addresses": services.LOOPBACK}
        settings["unix_socket_directories"] = str(self.server.workdir)
        for name, value in settings.items():
            self.args += ["-c", f"{name}={value}"]
        self.isready = [str(bindir / "pg_isready"), "-q", "-d", "postgres", "-t", "2"]
        self.isready += ["-h", services.LOOPBACK, "-p", str(self.port), "-U", "postgres"]

    def stop(self) -> None:
        services.stop_process(self.server.process, signal.SIGINT)

    def start(self) -> None:
        run_as = services._postgres_run_as()
        with self.server.log_path.open("ab") as log:
            self.server.process = subprocess.Popen(
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.server.workdir,
                user=run_as.uid,
                group=run_as.gid,
                extra_groups=run_as.extra_groups,
            )
        services.wait_until(
            lambda: subprocess.run(self.isready, check=False, timeout=10).returncode == 0,
            timeout_s=services.START_TIMEOUT_S,
            what="postgres (restarted)",
            process=self.server.process,
        )

    def close(self) -> None:
        self.server.stop()


@contextmanager
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    server = StoppablePostgres()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def small_filesystem(size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on a fresh directory (needs root); unmounted after."""
    mountpoint = Path(tempfile.gettempdir()) / f"gauntlet-small-fs-{uuid.uuid4().hex[:8]}"
    mountpoint.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        mountpoint.rmdir()
        services.skip_or_fail(
            f"cannot mount a small tmpfs: {result.stderr.decode(errors='replace').strip()}"
        )
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)
        mountpoint.rmdir()
