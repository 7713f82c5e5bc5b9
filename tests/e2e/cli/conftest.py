"""The ``gauntlet`` client as CI runs it: a subprocess talking HTTP to a real server on
loopback (``serve`` from ``tests/e2e/conftest.py``, in the deployment under test), with
its key and server address from the environment, as a CI job sets them.

``cli`` runs one command to its end; ``cli.start`` leaves it running (to stop its job
from outside, or to time it). Each test gets an organization of its own (``key``,
``http``), so apps, suites and jobs never cross between tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.api_server import Api
from tests.support.browser import Browser, browser_for_test
from tests.support.factories import client_for, create_key

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
# Room for a loaded CI machine; a command that hangs fails the test instead of pytest.
COMMAND_TIMEOUT_S = 120


def client_env(server: str | None, key: str | None, **extra: str) -> dict[str, str]:
    """The environment of a CI job: no server settings at all (the client must not need
    them), and the client's two variables when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")}
    env.pop("COLUMNS", None)
    if server is not None:
        env["GAUNTLET_SERVER"] = server
    if key is not None:
        env["GAUNTLET_API_KEY"] = key
    return env | extra


@dataclass
class Cli:
    server: str
    key: str
    cwd: Path

    def env(self, **extra: str) -> dict[str, str]:
        return client_env(self.server, self.key, **extra)

    def __call__(
        self,
        *args: str | Path,
        env: dict[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT_S,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*GAUNTLET, *map(str, args)],
            env=self.env() if env is None else env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str | Path) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*GAUNTLET, *map(str, args)],
            env=self.env(),
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def key(serve: Api) -> str:
    """An admin key of a new organization."""
    return create_key(serve.runtime)


@pytest.fixture
def http(serve: Api, key: str) -> Iterator[httpx.Client]:
    """An API client with ``key``, to set up and inspect what the command line does."""
    with client_for(serve, key) as client:
        yield client


@pytest.fixture
def cli(serve: Api, key: str, tmp_path: Path) -> Cli:
    return Cli(serve.url, key, tmp_path)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A fresh headless Chromium (skips on a laptop without it, fails in CI)."""
    yield from browser_for_test(tmp_path)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def no_traceback(result: subprocess.CompletedProcess[str]) -> bool:
    return "Traceback" not in result.stderr + result.stdout


def assert_exit(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, (
        f"exit {result.returncode}, expected {code}\n--- stdout\n{result.stdout}\n--- stderr\n"
        f"{result.stderr}"
    )
    assert no_traceback(result), result.stderr


def args_of(*parts: str | Path | Sequence[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        out += [str(p) for p in part] if isinstance(part, list | tuple) else [str(part)]
    return out
