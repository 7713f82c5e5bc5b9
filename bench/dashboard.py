"""The dashboard's page weight and its time to a live job table, on loopback, in headless
Chromium (Debian's chromium and chromium-driver, as in tests/browser).

    .venv/bin/python bench/dashboard.py [--rounds 7] [--jobs 200]

The API (``gauntlet serve``: API and worker threads, embedded deployment) runs in its own
process with ``--jobs`` finished jobs in one organization. Each cold round is a new
browser with an empty profile opening ``/dashboard#key=…``; each warm round reloads the
page in that browser (assets revalidated, answered 304). "Live" is the later of two
marks the page sets: the first page of jobs rendered (``gauntlet:jobs-table``) and the
organization's feed connected (``gauntlet:feed-live``), from navigation start.

Weight counts every byte the page loads from the server except API answers (HTML,
CSS, scripts, icon), as sent (no compression is configured). For scale, the same is
printed for Swagger UI at ``/docs``, the other page the server ships.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._targets import free_port, wait_for_port  # noqa: E402
from tests.support.browser import start_browser  # noqa: E402
from tests.support.factories import health_suite  # noqa: E402
from tests.support.pets_target import PetsTarget  # noqa: E402

LIVE = """
const marks = ['gauntlet:jobs-table', 'gauntlet:feed-live']
  .map(name => performance.getEntriesByName(name)[0]);
if (marks.some(m => !m)) return null;
return Math.max(...marks.map(m => m.startTime));
"""
WEIGHT = """
const nav = performance.getEntriesByType('navigation')[0];
const assets = performance.getEntriesByType('resource')
  .filter(e => e.name.startsWith(location.origin) && !e.name.includes('/client/v1/'));
const api = performance.getEntriesByType('resource').filter(e => e.name.includes('/client/v1/'))
  .map(e => [new URL(e.name).pathname.replace('/client/v1/', ''), e.duration]);
return {
  bytes: nav.encodedBodySize + assets.reduce((n, e) => n + e.encodedBodySize, 0),
  transferred: nav.transferSize + assets.reduce((n, e) => n + e.transferSize, 0),
  files: 1 + assets.length,
  api: api,
};
"""


def serve(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """``gauntlet serve`` in its own process, and an admin key of organization "bench"."""
    env = {
        **os.environ,
        "GAUNTLET_DATA_DIR": str(data_dir),
        "GAUNTLET_LOG_LEVEL": "WARNING",
        "GAUNTLET_RATE_LIMIT_PER_MINUTE": "100000",
        "GAUNTLET_RATE_LIMIT_BURST": "100000",
    }
    env.pop("GAUNTLET_REDIS_URL", None)
    env.pop("GAUNTLET_DATABASE_URL", None)
    cli = [sys.executable, "-m", "orchestrator.cli"]
    created = subprocess.run(
        [*cli, "keys", "create", "--org", "bench", "--name", "bench", "--scopes", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    key = created.stdout.strip().splitlines()[-1]
    server = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port, timeout=30)
    return server, key


def fill(base: str, key: str, target: PetsTarget, jobs: int) -> None:
    """``jobs`` finished RUN jobs in the organization (the table shows the first 50)."""
    with httpx.Client(
        base_url=f"{base}/client/v1", headers={"Authorization": f"Bearer {key}"}
    ) as c:
        app = c.post("/apps", json={"name": "bench", "endpoint": target.url}).json()["data"]["id"]
        c.post(f"/apps/{app}/test-suites", json=health_suite())
        ids = [
            c.post(f"/apps/{app}/test-suites/run", json={}).json()["data"]["job_id"]
            for _ in range(jobs)
        ]
        deadline = time.monotonic() + 300
        while (
            c.get("/jobs", params={"status": "QUEUED", "limit": 1}).json()["meta"]["pagination"][
                "total_count"
            ]
            or c.get("/jobs", params={"status": "RUNNING", "limit": 1}).json()["meta"][
                "pagination"
            ]["total_count"]
        ):
            assert time.monotonic() < deadline, "jobs did not finish"
            time.sleep(0.2)
        assert len(ids) == jobs


def wait_live(browser: Any, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while (value := browser.run(LIVE)) is None:
        assert time.monotonic() < deadline, "the job table never went live"
        time.sleep(0.01)
    return float(value)


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.0f} ms "
        f"(min {min(values):.0f}, max {max(values):.0f}, n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-bench-dashboard-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    target = PetsTarget().start()
    server, key = serve(workdir / "data", port)
    try:
        fill(base, key, target, args.jobs)
        cold: list[float] = []
        warm: list[float] = []
        weight: dict[str, Any] = {}
        warm_weight: dict[str, Any] = {}
        for round_ in range(args.rounds):
            browser = start_browser(workdir / f"profile-{round_}", workdir / "shots")
            try:
                browser.open(f"{base}/dashboard#key={key}")
                cold.append(wait_live(browser))
                weight = browser.run(WEIGHT)
                browser.driver.refresh()
                warm.append(wait_live(browser))
                warm_weight = browser.run(WEIGHT)
                if browser.console_errors():
                    raise SystemExit(f"console errors: {browser.errors}")
            finally:
                browser.quit()
        browser = start_browser(workdir / "profile-docs", workdir / "shots")
        try:
            browser.open(f"{base}/docs")
            deadline = time.monotonic() + 30
            while not browser.run("return document.querySelectorAll('.opblock').length"):
                assert time.monotonic() < deadline, "/docs did not render"
                time.sleep(0.05)
            docs = browser.run(WEIGHT)
        finally:
            browser.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)
        target.stop()

    print(f"jobs in the organization: {args.jobs} (first page: 50 rows)")
    print(f"dashboard weight: {weight['bytes']:,} bytes in {weight['files']} files (uncompressed)")
    print(f"  warm reload transfers {warm_weight['transferred']:,} bytes (304s and headers)")
    print(f"/docs weight for scale: {docs['bytes']:,} bytes in {docs['files']} files")
    print(f"time to a live job table, cold: {summary(cold)}")
    print(f"time to a live job table, warm: {summary(warm)}")
    print("API requests of the last cold load (ms):", json.dumps(weight["api"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
