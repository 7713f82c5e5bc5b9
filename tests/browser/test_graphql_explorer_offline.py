"""The explorer renders and runs a query with no network but loopback: GraphiQL, React
and the page's own files all ship in the package."""

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
# Starting the API and Chromium on a busy 2-core machine, then one page and a query.
OFFLINE_RUN_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def offline_report() -> dict[str, Any]:
    if chromium_binaries() is None:
        skip_or_fail(f"needs {' and '.join(CHROMIUM_PACKAGES)} (Debian packages)")
    if shutil.which("unshare") is None:
        skip_or_fail("needs unshare (util-linux)")
    command = ["unshare", "--net"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    result = subprocess.run(
        [*command, sys.executable, "-m", "tests.browser.offline_explorer"],
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


def test_the_explorer_runs_a_query_offline(offline_report: dict[str, Any]) -> None:
    assert offline_report["result"] == {
        "data": {"me": {"organization": {"name": "offline-org"}}, "apps": {"totalCount": 0}}
    }


def test_the_explorer_fetches_nothing_but_the_server(offline_report: dict[str, Any]) -> None:
    server = urlsplit(offline_report["server"]).netloc
    fetched = offline_report["resources"]
    assert any("graphiql.min.js" in url for url in fetched)
    assert [url for url in fetched if urlsplit(url).netloc != server] == []


def test_the_explorer_logs_no_console_error_offline(offline_report: dict[str, Any]) -> None:
    assert offline_report["console_errors"] == []
