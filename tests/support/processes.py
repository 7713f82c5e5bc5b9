"""Gauntlet's own commands as processes for end-to-end tests of a real deployment:
`gauntlet serve`, `api`, `worker`, `loadgen-worker`, each with its own log file, all
killed at the end. The scaled clusters of tests/e2e/jobs and tests/faults are built on it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.factories import client_for
from tests.support.live_server import free_port

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]


class Processes:
    """Gauntlet processes sharing ``env`` (``GAUNTLET_*`` of the test and nothing else)."""

    def __init__(self, tmp_path: Path, **settings: str) -> None:
        self.tmp_path = tmp_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")} | {
            "GAUNTLET_DATA_DIR": str(tmp_path / "data"),
            "GAUNTLET_RATE_LIMIT_PER_MINUTE": "100000",
            "GAUNTLET_RATE_LIMIT_BURST": "100000",
            "GAUNTLET_LOG_FORMAT": "json",
            # `gauntlet worker` is one process (not one per core) unless a test asks, so
            # that the tests that kill a worker kill the process that runs the jobs.
            "GAUNTLET_WORKER_PROCESSES": "1",
            **settings,
        }
        self.started: list[subprocess.Popen[bytes]] = []
        self.url = ""

    def spawn(self, name: str, *args: str, **settings: str) -> subprocess.Popen[bytes]:
        """``gauntlet ARGS`` logging to ``NAME.log``; ``settings`` add to the env."""
        with (self.tmp_path / f"{name}.log").open("wb") as sink:
            process = subprocess.Popen(
                [*GAUNTLET, *args],
                env=self.env | settings,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        return process

    def create_key(self) -> str:
        created = subprocess.run(
            [*GAUNTLET, "keys", "create", "--org", "acme", "--name", "ci"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return created.stdout.strip().splitlines()[-1]

    def serve(self, command: str = "api", name: str | None = None) -> subprocess.Popen[bytes]:
        """``gauntlet api`` (or ``serve``) on a free port, once it answers /healthz;
        ``name`` names its log (default: the command)."""
        name = name or command
        port = free_port()
        process = self.spawn(name, command, "--port", str(port))
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, self.log(name)
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{name} did not start:\n{self.log(name)}"
            time.sleep(0.05)

    def client(self, key: str) -> httpx.Client:
        return client_for(self.url, key, timeout=60)

    def log(self, name: str) -> str:
        """The end of a process's log, for failure messages."""
        return self.logged(name)[-6000:]

    def logged(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
