"""A dashboard's nested question — apps → their latest runs → the failing steps — asked
in one GraphQL query, and the same answer assembled from the REST routes.

    .venv/bin/python bench/graphql.py [--apps 10] [--runs 3] [--rounds 20]

``gauntlet serve`` (embedded: SQLite, worker threads) runs in its own process with
``--apps`` apps of two suites each (one passes, one fails a step), each run ``--runs``
times. Each round asks: GraphQL, one POST; REST, sequentially as a script would (the
apps, each app's runs, each run's reports, each failing report in full); and REST with
8 requests in flight per level, as a browser would. Both answers are checked to name
the same failing steps. Prints medians and the ratios to GraphQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._targets import free_port, wait_for_port  # noqa: E402
from tests.support.factories import health_suite  # noqa: E402
from tests.support.pets_target import PetsTarget  # noqa: E402

QUERY = """query($apps: Int!, $runs: Int!) {
  apps(first: $apps) { nodes { id name
    testRuns(first: $runs) { nodes { id status
      suiteReports(first: 20) { nodes { suiteName status
        steps(failedOnly: true) { name assertions { type expected actual reason } } } } } } } } }"""
FAILING = {
    "name": "failing",
    "steps": [
        {
            "name": "ok",
            "request": {"method": "GET", "path": "/health"},
            "assertions": [{"type": "status_code", "expected": 200}],
        },
        {
            "name": "wrong status",
            "request": {"method": "GET", "path": "/health"},
            "assertions": [{"type": "status_code", "expected": 418}],
        },
    ],
}
Failing = list[tuple[str, str, str, str]]  # (app, run, suite, step)


def serve(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """``gauntlet serve`` in its own process, and an admin key of organization "bench"."""
    env = {
        **os.environ,
        "GAUNTLET_DATA_DIR": str(data_dir),
        "GAUNTLET_LOG_LEVEL": "WARNING",
        "GAUNTLET_RATE_LIMIT_PER_MINUTE": "1000000",
        "GAUNTLET_RATE_LIMIT_BURST": "1000000",
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
    server = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port, timeout=30)
    return server, created.stdout.strip().splitlines()[-1]


def fill(api: httpx.Client, target: PetsTarget, apps: int, runs: int) -> None:
    jobs = []
    for i in range(apps):
        app = api.post("/apps", json={"name": f"bench-{i}", "endpoint": target.url}).json()["data"][
            "id"
        ]
        api.post(f"/apps/{app}/test-suites", json=health_suite())
        api.post(f"/apps/{app}/test-suites", json=FAILING)
        jobs += [
            api.post(f"/apps/{app}/test-suites/run", json={}).json()["data"]["job_id"]
            for _ in range(runs)
        ]
    deadline = time.monotonic() + 300
    for job in jobs:
        while api.get(f"/jobs/{job}").json()["data"]["job_status"] not in ("COMPLETED", "FAILED"):
            assert time.monotonic() < deadline, "runs did not finish"
            time.sleep(0.1)


def by_graphql(api: httpx.Client, apps: int, runs: int) -> tuple[Failing, int]:
    body = api.post(
        "/graphql", json={"query": QUERY, "variables": {"apps": apps, "runs": runs}}
    ).json()
    assert "errors" not in body, body
    failing = [
        (app["id"], run["id"], report["suiteName"], step["name"])
        for app in body["data"]["apps"]["nodes"]
        for run in app["testRuns"]["nodes"]
        for report in run["suiteReports"]["nodes"]
        for step in report["steps"]
    ]
    return failing, 1


def by_rest(
    api: httpx.Client, apps: int, runs: int, pool: ThreadPoolExecutor | None
) -> tuple[Failing, int]:
    calls = 0

    def get_all(paths: list[str]) -> list[Any]:
        nonlocal calls
        calls += len(paths)
        fetch: Callable[[str], Any] = lambda path: api.get(path).json()["data"]  # noqa: E731
        return list(pool.map(fetch, paths)) if pool else [fetch(p) for p in paths]

    (app_list,) = get_all([f"/apps?limit={apps}"])
    run_lists = get_all([f"/apps/{a['id']}/test-runs?limit={runs}" for a in app_list])
    run_refs = [(a["id"], r["id"]) for a, rs in zip(app_list, run_lists, strict=True) for r in rs]
    report_lists = get_all(
        [f"/apps/{a}/test-runs/{r}/suite-reports?page_size=20" for a, r in run_refs]
    )
    failed = [
        (a, r, report["id"])
        for (a, r), reports in zip(run_refs, report_lists, strict=True)
        for report in reports
        if report["failed_steps"]
    ]
    full = get_all([f"/apps/{a}/test-runs/{r}/suite-reports/{rep}" for a, r, rep in failed])
    failing = [
        (a, r, report["suite_name"], step["name"])
        for (a, r, _), report in zip(failed, full, strict=True)
        for step in report["steps"]
        if not step["passed"]
    ]
    return failing, calls


def median_ms(measure: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        measure()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-bench-graphql-"))
    port = free_port()
    target = PetsTarget().start()
    server, key = serve(workdir / "data", port)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with (
            httpx.Client(
                base_url=f"http://127.0.0.1:{port}/client/v1", headers=headers, timeout=60
            ) as api,
            ThreadPoolExecutor(8) as pool,
        ):
            fill(api, target, args.apps, args.runs)
            graphql, one = by_graphql(api, args.apps, args.runs)
            rest, calls = by_rest(api, args.apps, args.runs, None)
            assert sorted(graphql) == sorted(rest) and graphql, "the two answers differ"
            for _ in range(3):  # warm both paths
                by_graphql(api, args.apps, args.runs)
                by_rest(api, args.apps, args.runs, pool)
            results = {
                "GraphQL, one query": (
                    median_ms(lambda: by_graphql(api, args.apps, args.runs), args.rounds),
                    one,
                ),
                "REST, sequential": (
                    median_ms(lambda: by_rest(api, args.apps, args.runs, None), args.rounds),
                    calls,
                ),
                "REST, 8 in flight": (
                    median_ms(lambda: by_rest(api, args.apps, args.runs, pool), args.rounds),
                    calls,
                ),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
        target.stop()

    base = results["GraphQL, one query"][0]
    print(
        f"{args.apps} apps x {args.runs} runs, {len(graphql)} failing steps; median of {args.rounds} rounds"
    )
    print("| | requests | median | vs GraphQL |")
    print("|---|---|---|---|")
    for name, (ms, requests) in results.items():
        print(f"| {name} | {requests} | {ms:.1f} ms | {ms / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
