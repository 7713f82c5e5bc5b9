"""Prism (``@stoplight/prism-cli``), a validating mock that serves an OpenAPI document, on
free loopback ports for tests and benchmarks.

Prism comes from npm and is installed once into a cache directory outside the repository
(``GAUNTLET_NPM_CACHE``, default ``~/.cache/gauntlet/npm``); nothing is committed.
Without ``node`` and ``npm`` a test that needs Prism is skipped, except in CI
(``CI=true``), where it fails, as with Redis and PostgreSQL (:mod:`tests.support.services`).

What Prism does that matters here: it serves every path at its root (it ignores the
document's server path), checks each request against the document (400/422 naming the
violation, 401 when a documented credential is absent) and answers with the documented
examples (JSON when the request accepts it); an unknown route is a 404
``NO_PATH_MATCHED_ERROR``.

Needs only the standard library, so CI can run, before the virtualenv exists::

    python3 -m tests.support.prism install   # npm install into the cache, print the binary
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.services import (
    LOOPBACK,
    MissingServer,
    ServerFailed,
    free_port,
    log_tail,
    skip_or_fail,
    stop_process,
)

# Pinned so that every machine mocks the same way; 5.x is what the issue measured.
PRISM_PACKAGE = "@stoplight/prism-cli@5.16.0"
NPM_CACHE_ENV = "GAUNTLET_NPM_CACHE"
# A cold Node start plus parsing a large document on a busy 2-core machine.
START_TIMEOUT_S = 60.0
INSTALL_TIMEOUT_S = 600.0


def npm_cache() -> Path:
    """Where npm packages for tests and benchmarks are installed (``node_modules`` below)."""
    configured = os.environ.get(NPM_CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "gauntlet" / "npm"


def npm_install(packages: list[str], prefix: Path | None = None) -> Path:
    """``npm install`` ``packages`` into ``prefix`` (default :func:`npm_cache`) and return
    it. Raises ``MissingServer`` without node/npm or when npm cannot install them (no
    registry on a laptop offline: a test then skips, and fails in CI)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise MissingServer(
            "node and npm are needed for Prism (Debian: apt-get install nodejs npm)"
        )
    prefix = prefix or npm_cache()
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), *packages],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-10:])
        raise MissingServer(f"npm install {' '.join(packages)} failed:\n{tail}")
    return prefix


def prism_binary(install: bool = True) -> Path:
    """The ``prism`` executable, installed with npm first when missing and ``install``.

    Raises ``MissingServer`` when node is missing, when it is not installed and
    ``install`` is False, or when npm cannot install it.
    """
    binary = npm_cache() / "node_modules" / ".bin" / "prism"
    if binary.exists() and shutil.which("node") is not None:
        return binary
    if not install:
        raise MissingServer(f"Prism is not installed in {npm_cache()}")
    npm_install([PRISM_PACKAGE])
    if not binary.exists():
        raise ServerFailed(f"npm installed {PRISM_PACKAGE} but {binary} is missing")
    return binary


@dataclass
class PrismServer:
    """A Prism mock process serving one document; ``url`` is where its paths start."""

    url: str
    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        """Stop Prism and delete its directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        stop_process(self.process, 15)  # SIGTERM
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PrismServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answers(url: str) -> bool:
    """True once Prism answers HTTP at all (any status: the root is rarely a route)."""
    try:
        with urllib.request.urlopen(url + "/", timeout=1.0):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def start_prism(document: Path, *, timeout_s: float = START_TIMEOUT_S) -> PrismServer:
    """Serve ``document`` with ``prism mock`` (static examples, no random data) on a free
    loopback port; returns once it answers. Raises ``MissingServer`` without node,
    ``ServerFailed`` when Prism exits or does not answer in time (with its log's tail)."""
    binary = prism_binary()
    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-prism-"))
    log_path = workdir / "prism.log"
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(binary), "mock", str(document), "-h", LOOPBACK, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    server = PrismServer(url, process, workdir, log_path)
    deadline = time.monotonic() + timeout_s
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            why = "exited" if process.poll() is not None else f"did not answer in {timeout_s:.0f} s"
            tail = log_tail(log_path)
            server.stop()
            raise ServerFailed(f"prism mock {document.name} {why}:\n{tail}")
        time.sleep(0.1)
    return server


def prism_for_tests(document: Path) -> Iterator[PrismServer]:
    """Fixture body: Prism serving ``document``, installed first when missing; the test is
    skipped without node/npm, except in CI (``CI=true``), where it fails."""
    server: PrismServer | None = None
    try:
        server = start_prism(document)
    except MissingServer as exc:
        missing = str(exc)
    if server is None:
        # Outside the except block, so the report is one clear line, not a chain.
        skip_or_fail(f"needs Prism: {missing}")
        return
    with server:
        yield server


def main() -> None:
    parser = argparse.ArgumentParser(description="Prism for Gauntlet's tests and benchmarks")
    parser.add_argument("command", choices=["install"])
    parser.parse_args()
    print(prism_binary(install=True))


if __name__ == "__main__":
    main()
