"""/docs and /redoc render with no network but loopback: every asset ships in the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.browser import CHROMIUM_PACKAGES, chromium_binaries
from tests.support.services import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
# Starting the API and Chromium on a busy 2-core machine, then two pages.
OFFLINE_RUN_TIMEOUT_S = 120


def _isolated_command() -> list[str]:
    """``unshare`` into a new network namespace (root directly, others through a user
    namespace that maps them to root)."""
    command = ["unshare", "--net"]
    if os.geteuid() != 0:
        command.append("--map-root-user")
    return command


@pytest.fixture(scope="module")
def offline_report() -> dict[str, Any]:
    if chromium_binaries() is None:
        skip_or_fail(f"needs {' and '.join(CHROMIUM_PACKAGES)} (Debian packages)")
    if shutil.which("unshare") is None:
        skip_or_fail("needs unshare (util-linux)")
    result = subprocess.run(
        [*_isolated_command(), sys.executable, "-m", "tests.browser.offline_docs"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=OFFLINE_RUN_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0 and "unshare failed" in result.stderr:
        skip_or_fail(f"cannot make a network namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_namespace_holds_only_loopback(offline_report: dict[str, Any]) -> None:
    assert offline_report["interfaces"] == ["lo"]


def test_swagger_ui_shows_every_operation_offline(offline_report: dict[str, Any]) -> None:
    assert offline_report["docs"]["operations"] >= 30


def test_redoc_shows_every_operation_offline(offline_report: dict[str, Any]) -> None:
    assert offline_report["redoc"]["operations"] >= 30


def test_the_docs_fetch_nothing_but_the_server(offline_report: dict[str, Any]) -> None:
    server = urlsplit(offline_report["server"]).netloc
    fetched = offline_report["docs"]["resources"] + offline_report["redoc"]["resources"]
    assert fetched
    assert [url for url in fetched if urlsplit(url).netloc != server] == []


def test_the_docs_log_no_console_error(offline_report: dict[str, Any]) -> None:
    assert offline_report["console_errors"] == []
