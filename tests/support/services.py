"""Private Redis and PostgreSQL servers for tests, on free loopback ports.

Tests never use the services a machine may run on the standard ports (6379, 5432):
each test session starts its own servers in a temporary directory, listening on
127.0.0.1 only, and stops them at the end. An environment variable can point a
session at servers started elsewhere instead (``.ci/run`` does this, so its two
runs share one pair of servers):

- ``GAUNTLET_TEST_REDIS_URL``     e.g. ``redis://127.0.0.1:PORT/0``, used as is;
- ``GAUNTLET_TEST_POSTGRES_URL``  e.g. ``postgresql+psycopg://postgres@127.0.0.1:PORT/gauntlet``,
  whose user may create and drop databases;
- ``GAUNTLET_TEST_DEPLOYMENT``    ``embedded`` (default) or ``scaled``.

Without a URL and without the server's binaries, a test that needs the server is
skipped, except in CI (``CI=true``), where it fails: CI must never skip these.

Isolation between tests (the ``fresh_*`` fixtures):

- ``fresh_postgres_url`` is a new, uniquely named database on the session's server,
  created for one test and dropped (with its connections) after it;
- ``fresh_redis_url`` is a database of the session's Redis emptied with FLUSHDB before
  and after the test: number 15 for the first (or only) test process, 14 for the
  second pytest-xdist worker and so on down, never the session URL's own (so that
  workers sharing one server, as in CI, never flush each other's). The session's own
  database (``redis_url``) is never flushed, so session-scoped users keep their data.

This module needs only the standard library at import (``python3 -m
tests.support.services`` runs before the project's virtualenv exists); psycopg,
SQLAlchemy, redis-py and pytest are imported where they are used. Command line::

    python3 -m tests.support.services missing-packages   # Debian packages to install
    python3 -m tests.support.services serve --env-file F  # start both, write URLs, wait
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

LOOPBACK = "127.0.0.1"
REDIS_URL_ENV = "GAUNTLET_TEST_REDIS_URL"
POSTGRES_URL_ENV = "GAUNTLET_TEST_POSTGRES_URL"
DEPLOYMENT_ENV = "GAUNTLET_TEST_DEPLOYMENT"
DEFAULT_DATABASE = "gauntlet"
# initdb makes this superuser whatever the OS user is, so URLs look the same everywhere.
POSTGRES_SUPERUSER = "postgres"
FRESH_REDIS_DB = 15
# Generous: a cold initdb on a busy 2-core CI machine takes several seconds.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
# Another process may grab the free port between our probe and the server's bind.
START_ATTEMPTS = 3
POLL_INTERVAL_S = 0.05


class MissingServer(Exception):
    """The server's binaries (or the OS user to run them) are not on this machine."""


class ServerFailed(RuntimeError):
    """The server was found but did not start; the message carries its log's tail."""


def is_ci() -> bool:
    """True when running in CI (``CI=true``), where missing servers fail, never skip."""
    return os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_until(
    ready: Callable[[], bool], *, timeout_s: float, what: str, process: subprocess.Popen[bytes]
) -> None:
    """Poll ``ready`` until it returns True; raise ``ServerFailed`` if ``process`` exits
    first or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise ServerFailed(f"{what} exited with code {process.returncode} while starting")
        if ready():
            return
        if time.monotonic() > deadline:
            raise ServerFailed(f"{what} was not ready within {timeout_s:.0f} s")
        time.sleep(POLL_INTERVAL_S)


@dataclass
class PrivateServer:
    """A server process this module started, its URL, and the directory it owns."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path
    # SIGTERM asks PostgreSQL for a "smart" shutdown that waits for clients to leave;
    # SIGINT is its "fast" shutdown. Redis stops on SIGTERM.
    stop_signal: int = signal.SIGTERM
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        """Stop the process (politely, then by force) and delete its directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        stop_process(self.process, self.stop_signal)
        shutil.rmtree(self.workdir, ignore_errors=True)


def stop_process(process: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig``, wait up to ``STOP_TIMEOUT_S``, then kill."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def log_tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a server log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _start_with_retries(start_once: Callable[[int], PrivateServer], what: str) -> PrivateServer:
    last: ServerFailed | None = None
    for _ in range(START_ATTEMPTS):
        try:
            return start_once(free_port())
        except ServerFailed as exc:
            last = exc
    raise ServerFailed(f"{what} failed {START_ATTEMPTS} times; last: {last}")


# Loopback only, nothing on disk, in the foreground so that we own the process.
REDIS_SETTINGS = {"bind": LOOPBACK, "save": "", "appendonly": "no", "daemonize": "no"}


def redis_server_binary() -> str | None:
    """Path of ``redis-server``, or None."""
    return shutil.which("redis-server")


def redis_ping(host: str, port: int) -> bool:
    """True if a Redis server answers PING at host:port."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(timeout_s: float = START_TIMEOUT_S, *, appendonly: bool = False) -> PrivateServer:
    """Start a private redis-server on a free loopback port: memory-only, or with an
    append-only file in its directory (``appendonly``, as the compose file runs it).

    Returns once it answers PING. Raises ``MissingServer`` without ``redis-server``
    on PATH, ``ServerFailed`` if it does not come up.
    """
    binary = redis_server_binary()
    if binary is None:
        raise MissingServer("redis-server is not on PATH (Debian: apt-get install redis-server)")

    def start_once(port: int) -> PrivateServer:
        workdir = Path(tempfile.mkdtemp(prefix="gauntlet-redis-"))
        return _launch_redis(binary, port, workdir, appendonly, timeout_s)

    return _start_with_retries(start_once, "redis-server")


def restart_redis(server: PrivateServer, *, keep_data: bool) -> None:
    """Kill ``server`` with SIGKILL (a crash: nothing is saved on the way out) if it still
    runs, then start it again on its port and directory, with its append-only file. With
    ``keep_data`` it replays that file; without, the file goes first, so it comes back
    empty as a Redis without persistence would (and persists again from then on)."""
    kill_now(server)
    if not keep_data:
        shutil.rmtree(server.workdir / "appendonlydir", ignore_errors=True)
        (server.workdir / "dump.rdb").unlink(missing_ok=True)
    binary = redis_server_binary()
    assert binary is not None
    fresh = _launch_redis(binary, server_port(server.url), server.workdir, True, 30.0)
    server.process = fresh.process


def kill_now(server: PrivateServer) -> None:
    """SIGKILL the server's process and reap it (the directory stays, for a restart)."""
    if server.process.poll() is None:
        server.process.kill()
    server.process.wait(timeout=STOP_TIMEOUT_S)


def _launch_redis(
    binary: str, port: int, workdir: Path, appendonly: bool, timeout_s: float
) -> PrivateServer:
    log_path = workdir / "redis.log"
    args = [binary, "--port", str(port), "--dir", str(workdir)]
    settings = REDIS_SETTINGS | {"appendonly": "yes" if appendonly else "no"}
    for name, value in settings.items():
        args += [f"--{name}", value]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    server = PrivateServer("redis", f"redis://{LOOPBACK}:{port}/0", process, workdir, log_path)
    try:
        wait_until(
            lambda: redis_ping(LOOPBACK, port),
            timeout_s=timeout_s,
            what=f"redis-server on port {port}",
            process=process,
        )
    except ServerFailed as exc:
        tail = log_tail(log_path)
        server.stop()
        raise ServerFailed(f"{exc}\n{tail}") from None
    return server


def with_redis_db(url: str, db: int) -> str:
    """``url`` with its database number replaced by ``db``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def fresh_redis_db(url: str) -> int:
    """The database number ``fresh_redis_url`` uses next to the session's ``url``: one
    of its own for each pytest-xdist worker (``PYTEST_XDIST_WORKER`` is ``gw0``, ``gw1``…)."""
    session_db = int(urlsplit(url).path.strip("/") or 0)
    free = [db for db in range(FRESH_REDIS_DB, 0, -1) if db != session_db]
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    if worker >= len(free):
        raise RuntimeError(f"{worker + 1} test workers, but Redis has {len(free)} spare databases")
    return free[worker]


def flush_redis(url: str) -> None:
    """Empty the database ``url`` names (and only that one)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


# Where distributions put the server binaries when they are not on PATH.
POSTGRES_BIN_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", str(path))) or (0,)


def postgres_bindir() -> Path | None:
    """The directory holding ``initdb``, ``postgres`` and ``pg_isready``, newest version first."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        # Debian links initdb into PATH from the versioned directory, which has the rest.
        candidates.append(Path(on_path).resolve().parent)
    for pattern in POSTGRES_BIN_GLOBS:
        root = Path("/")
        found = sorted(root.glob(pattern.lstrip("/")), key=_version_key, reverse=True)
        candidates.extend(found)
    for bindir in candidates:
        if all(
            (bindir / tool).is_file() for tool in ("initdb", "postgres", "pg_isready", "createdb")
        ):
            return bindir
    return None


@dataclass(frozen=True)
class _RunAs:
    """Who runs the server: PostgreSQL refuses to run as root, so root hands it to ``postgres``."""

    uid: int | None
    gid: int | None

    @property
    def extra_groups(self) -> list[int] | None:
        # Drop root's supplementary groups when switching user; keep ours otherwise.
        return None if self.uid is None else []


def _postgres_run_as() -> _RunAs:
    if os.geteuid() != 0:
        return _RunAs(None, None)
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise MissingServer(
            "running as root, PostgreSQL needs a 'postgres' system user to run as "
            "(Debian's postgresql package creates it)"
        ) from None
    return _RunAs(account.pw_uid, account.pw_gid)


def _run_checked(args: list[str], run_as: _RunAs, cwd: Path, what: str) -> None:
    # Popen's user/group switch is what `runuser -u postgres --` does, minus a wrapper
    # process between us and the server (so signals reach the postmaster itself).
    result = subprocess.run(
        args,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=START_TIMEOUT_S,
        check=False,
        user=run_as.uid,
        group=run_as.gid,
        extra_groups=run_as.extra_groups,
    )
    if result.returncode != 0:
        output = result.stdout.decode(errors="replace")[-2000:]
        raise ServerFailed(f"{what} failed with code {result.returncode}:\n{output}")


def postgres_url(port: int, database: str, host: str = LOOPBACK) -> str:
    """The SQLAlchemy URL of ``database`` on a private server."""
    return f"postgresql+psycopg://{POSTGRES_SUPERUSER}@{host}:{port}/{database}"


# Test data need not survive a crash: skip every flush to disk.
POSTGRES_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
}


def _pg_client_args(port: int) -> list[str]:
    return ["-h", LOOPBACK, "-p", str(port), "-U", POSTGRES_SUPERUSER]


def start_postgres(
    database: str = DEFAULT_DATABASE, timeout_s: float = START_TIMEOUT_S
) -> PrivateServer:
    """Start a private PostgreSQL cluster on a free loopback port, with ``database`` created.

    Trust authentication, no fsync, sockets in its own directory. Returns once it accepts
    connections. Raises ``MissingServer`` without the binaries, ``ServerFailed`` if it
    does not come up.
    """
    bindir = postgres_bindir()
    if bindir is None:
        raise MissingServer(
            "PostgreSQL server binaries (initdb, postgres) are neither on PATH nor under "
            "/usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)"
        )
    run_as = _postgres_run_as()
    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-postgres-"))
    if run_as.uid is not None:
        os.chown(workdir, run_as.uid, run_as.gid if run_as.gid is not None else -1)
    datadir = workdir / "data"
    initdb = [str(bindir / "initdb"), "--pgdata", str(datadir), "--username", POSTGRES_SUPERUSER]
    initdb += ["--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync"]

    def start_once(port: int) -> PrivateServer:
        args = [str(bindir / "postgres"), "-D", str(datadir), "-p", str(port)]
        settings = {**POSTGRES_SETTINGS, "listen_addresses": LOOPBACK}
        settings["unix_socket_directories"] = str(workdir)
        for name, value in settings.items():
            args += ["-c", f"{name}={value}"]
        log_path = workdir / f"postgres-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                user=run_as.uid,
                group=run_as.gid,
                extra_groups=run_as.extra_groups,
            )
        url = postgres_url(port, database)
        server = PrivateServer("postgres", url, process, workdir, log_path, signal.SIGINT)
        isready = [str(bindir / "pg_isready"), "-q", "-d", "postgres", "-t", "2"]
        isready += _pg_client_args(port)
        try:
            wait_until(
                lambda: subprocess.run(isready, check=False, timeout=10).returncode == 0,
                timeout_s=timeout_s,
                what=f"postgres on port {port}",
                process=process,
            )
        except ServerFailed as exc:
            stop_process(process, signal.SIGINT)
            raise ServerFailed(f"{exc}\n{log_tail(log_path)}") from None
        return server

    server: PrivateServer | None = None
    try:
        _run_checked(initdb, run_as, workdir, "initdb")
        server = _start_with_retries(start_once, "postgres")
        # createdb, not psycopg: this must work before the project's virtualenv exists.
        createdb = [str(bindir / "createdb"), *_pg_client_args(server_port(server.url)), database]
        _run_checked(createdb, _RunAs(None, None), workdir, "createdb")
    except BaseException:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return server


def server_port(url: str) -> int:
    """The port of a server URL."""
    port = urlsplit(url).port
    assert port is not None, url
    return port


def _admin_conninfo(sqlalchemy_url: str, database: str | None = None) -> str:
    """A libpq URL for psycopg from a SQLAlchemy one, optionally naming another database."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url``; return its SQLAlchemy URL."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    # Connect to the maintenance database: ``server_url``'s own may not exist yet.
    with psycopg.connect(_admin_conninfo(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name``, closing whatever connections tests left open to it."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(_admin_conninfo(server_url, "postgres"), autocommit=True) as conn:
        # WITH (FORCE) (PostgreSQL 13+): a test's leaked pool must not make teardown fail.
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def skip_or_fail(reason: str) -> None:
    """Skip the requesting test, or fail it in CI (``CI=true``), where nothing may skip."""
    import pytest

    if is_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(reason)


def redis_for_tests() -> Iterator[str]:
    """Fixture body: the session's Redis URL, from the environment or a private server."""
    yield from _server_for_tests(start_redis, "Redis", REDIS_URL_ENV)


def postgres_for_tests() -> Iterator[str]:
    """Fixture body: the session's PostgreSQL URL, from the environment or a private server."""
    yield from _server_for_tests(start_postgres, "PostgreSQL", POSTGRES_URL_ENV)


def _server_for_tests(start: Callable[[], PrivateServer], what: str, env: str) -> Iterator[str]:
    if os.environ.get(env):
        yield os.environ[env]
        return
    server: PrivateServer | None = None
    try:
        server = start()
    except MissingServer as exc:
        missing = str(exc)
    if server is None:
        # Outside the except block, so the report is one clear line, not a chain.
        skip_or_fail(f"needs {what}: {missing}; or set {env}")
        return
    try:
        yield server.url
    finally:
        server.stop()


def fresh_postgres_for_test(server_url: str) -> Iterator[str]:
    """Fixture body: a new empty database on the server of ``server_url``, dropped after."""
    name = f"gauntlet_test_{uuid.uuid4().hex[:12]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def fresh_redis_for_test(server_url: str) -> Iterator[str]:
    """Fixture body: an emptied Redis database next to the session's, emptied again after."""
    url = with_redis_db(server_url, fresh_redis_db(server_url))
    flush_redis(url)
    try:
        yield url
    finally:
        flush_redis(url)


DeploymentMode = Literal["embedded", "scaled"]


@dataclass(frozen=True)
class Deployment:
    """The deployment the tests run against: ``embedded`` (SQLite, in-process broker and
    limiter; both URLs None) or ``scaled`` (Redis and PostgreSQL URLs set)."""

    mode: DeploymentMode
    redis_url: str | None = None
    database_url: str | None = None

    @property
    def scaled(self) -> bool:
        return self.mode == "scaled"

    def settings_env(self) -> dict[str, str]:
        """The ``GAUNTLET_*`` variables that select this deployment in ``Settings``."""
        env: dict[str, str] = {}
        if self.redis_url:
            env["GAUNTLET_REDIS_URL"] = self.redis_url
        if self.database_url:
            env["GAUNTLET_DATABASE_URL"] = self.database_url
        return env


def deployment_mode() -> DeploymentMode:
    """The mode ``GAUNTLET_TEST_DEPLOYMENT`` asks for (default ``embedded``).

    Raises ``ValueError`` for anything else, rather than silently testing the wrong thing.
    """
    value = os.environ.get(DEPLOYMENT_ENV, "").strip().lower() or "embedded"
    if value == "embedded":
        return "embedded"
    if value == "scaled":
        return "scaled"
    raise ValueError(f"{DEPLOYMENT_ENV} must be 'embedded' or 'scaled', not {value!r}")


def describe_environment() -> str:
    """One line for pytest's header: deployment and where each server comes from."""
    try:
        mode: str = deployment_mode()
    except ValueError as exc:
        mode = f"invalid ({exc})"
    redis_from = "env" if os.environ.get(REDIS_URL_ENV) else "private"
    postgres_from = "env" if os.environ.get(POSTGRES_URL_ENV) else "private"
    return (
        f"gauntlet: deployment={mode}, redis={redis_from}, postgres={postgres_from}, "
        f"CI={'true' if is_ci() else 'false'}"
    )


def missing_packages() -> list[str]:
    """Debian packages that would provide what the tests run and this machine lacks: the
    servers, the headless browser of ``tests/browser``, nginx of the gateway tests, and
    Node.js with npm for Prism (``tests/support/prism.py``)."""
    from tests.support.browser import missing_packages as missing_browser_packages
    from tests.support.nginx import nginx_binary

    missing = []
    if redis_server_binary() is None:
        missing.append("redis-server")
    if postgres_bindir() is None:
        missing.append("postgresql")
    missing += missing_browser_packages()
    if nginx_binary() is None:
        missing.append("nginx")
    if shutil.which("node") is None:
        missing.append("nodejs")
    if shutil.which("npm") is None:
        missing.append("npm")
    # The README walk-through's test runs its shell commands (tests/e2e/docs).
    missing += [name for name in ("curl", "jq") if shutil.which(name) is None]
    return missing


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def serve(env_file: Path) -> int:
    """Start both servers, write their URLs to ``env_file`` as ``NAME=value`` lines, and
    keep them until SIGTERM/SIGINT/SIGHUP or until our parent process goes away."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    servers: list[PrivateServer] = []
    try:
        servers.append(start_redis())
        servers.append(start_postgres())
        _write_atomically(
            env_file, f"{REDIS_URL_ENV}={servers[0].url}\n{POSTGRES_URL_ENV}={servers[1].url}\n"
        )
        for server in servers:
            print(f"{server.name}: {server.url} (pid {server.process.pid})", flush=True)
        # Checked once a second: a parent killed without running its trap must not
        # leave servers behind forever.
        while not stop.wait(1.0) and os.getppid() == parent:
            pass
    except (MissingServer, ServerFailed) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        for server in reversed(servers):
            server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.services", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("missing-packages", help="print Debian packages to install, if any")
    serve_cmd = commands.add_parser("serve", help="run private Redis and PostgreSQL until killed")
    serve_cmd.add_argument("--env-file", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "missing-packages":
        print(" ".join(missing_packages()))
        return 0
    return serve(args.env_file)


if __name__ == "__main__":
    sys.exit(main())
