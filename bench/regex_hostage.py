"""Does a catastrophic regex still hold the API hostage? (issue 12, item 2)

    .venv/bin/python bench/regex_hostage.py [--rounds 3] [--seconds 8] [--jobs 4] [--steps 3]
                                            [--code /work/main]

``gauntlet serve`` (embedded: the API and the worker threads in one process) runs jobs
whose suite repeats a step with catastrophic regexes: ``matches ^(a+)+$`` (the issue's
example), ``matches ^(a|a)+$`` and a schema ``pattern ^(?:a|a)*$``, all against a name of
27 a's and a b. ``--jobs`` such jobs are kept in flight (one per worker thread), while
this process measures ``GET /client/v1/users/me`` latency one call after another.

The baseline is the same suite with benign patterns (``^a+b$``), in the same run: phases
alternate baseline / hostile ``--rounds`` times so that a shared machine's drift moves
both alike. Goal: p99 under 50 ms with the hostile step running.

``--code DIR`` serves another checkout's code (e.g. the commit before the fix) with this
virtualenv, for a before/after figure; its server is killed at the end, since a match
holding the GIL cannot be interrupted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench._gauntlet import ENV, GAUNTLET, TERMINAL  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402
from tests.support.pets_target import PetsTarget  # noqa: E402

NAME = "a" * 27 + "b"
HOSTILE = ("^(a+)+$", "^(a|a)+$", "^(?:a|a)*$")
BENIGN = ("^a+b$", "^a+b$", "^a+b$")


def suite(patterns: tuple[str, str, str], steps: int) -> dict[str, Any]:
    first, second, pattern = patterns
    step = {
        "name": "create a pet",
        "request": {"method": "POST", "path": "/pets", "body": {"name": NAME}},
        "assertions": [
            {"type": "status_code", "expected": 201},
            {"type": "json_path", "path": "$.name", "op": "matches", "expected": first},
            {"type": "json_path", "path": "$.name", "op": "matches", "expected": second},
            {"type": "schema", "schema": {"properties": {"name": {"pattern": pattern}}}},
        ],
    }
    return {
        "name": "regex",
        "steps": [{**step, "name": f"{step['name']} {i}"} for i in range(steps)],
    }


class Server:
    """``gauntlet serve`` from the code in ``code`` (a checkout), in a fresh data dir."""

    def __init__(self, code: Path) -> None:
        self.env = {**os.environ, **ENV, "GAUNTLET_DATA_DIR": tempfile.mkdtemp(prefix="regex-")}
        created = subprocess.run(
            [*GAUNTLET, "keys", "create", "--org", "bench", "--name", secrets.token_hex(3)],
            env=self.env, capture_output=True, text=True, check=True, cwd=code,
        )  # fmt: skip
        key = created.stdout.strip().splitlines()[-1]
        port = free_port()
        self.process = subprocess.Popen(
            [*GAUNTLET, "serve", "--port", str(port)], env=self.env, cwd=code,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gauntlet serve did not start"
                time.sleep(0.1)
        self.http = httpx.Client(
            base_url=f"http://127.0.0.1:{port}/client/v1",
            headers={"Authorization": f"Bearer {key}"},
            timeout=600,
        )

    def stop(self) -> None:
        self.http.close()
        self.process.kill()
        self.process.wait(timeout=30)


class Load:
    """Keeps ``jobs`` runs of one app in flight until stopped; counts what ended."""

    def __init__(self, server: Server, app_id: str, jobs: int) -> None:
        self.server, self.app_id, self.jobs = server, app_id, jobs
        self.done: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        running: list[str] = []
        while not self._stop.is_set():
            while len(running) < self.jobs and not self._stop.is_set():
                response = self.server.http.post(f"/apps/{self.app_id}/test-suites/run", json={})
                if response.status_code != 202:
                    self.errors.append(f"run: {response.status_code} {response.text[:200]}")
                    break
                running.append(response.json()["data"]["job_id"])
            for job_id in list(running):
                job = self.server.http.get(f"/jobs/{job_id}").json()["data"]
                if job["job_status"] in TERMINAL:
                    running.remove(job_id)
                    self.done.append(job)
            time.sleep(0.2)
        for job_id in running:
            self.server.http.post(f"/jobs/{job_id}/stop")


def measure(server: Server, seconds: float) -> list[float]:
    """``GET /users/me`` one after another for ``seconds``; latencies in ms."""
    latencies = []
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        started = time.perf_counter()
        response = server.http.get("/users/me")
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        time.sleep(0.01)
    return latencies


def p(values: list[float], q: float) -> float:
    if len(values) < 2:  # one call took the whole phase
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def first_reasons(server: Server, app_id: str, job: dict[str, Any]) -> list[str]:
    """The failed assertions of the job's first step (or why there are none to show)."""
    run_id = (job.get("result") or {}).get("test_run_id")
    base = f"/apps/{app_id}/test-runs/{run_id}/suite-reports"
    summaries = server.http.get(base).json().get("data") if run_id else None
    if not summaries:
        return [f"no report: job {job['job_status']}, {job.get('error')}"]
    report = server.http.get(f"{base}/{summaries[0]['id']}").json()["data"]
    step = report["steps"][0]
    return [a["reason"] for a in step["assertions"] if not a["passed"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to serve")
    args = parser.parse_args()

    target = PetsTarget().start()
    server = Server(args.code)
    print(f"serving {args.code} ({_commit(args.code)})", flush=True)
    try:
        apps = {}
        for kind, patterns in (("baseline", BENIGN), ("hostile", HOSTILE)):
            app_id = _app(server, target.url)
            created = server.http.post(
                f"/apps/{app_id}/test-suites", json=suite(patterns, args.steps)
            )
            assert created.status_code == 201, created.text
            apps[kind] = app_id
        measure(server, 1.0)  # warm up
        latencies: dict[str, list[float]] = {"baseline": [], "hostile": []}
        steps_run: dict[str, int] = {"baseline": 0, "hostile": 0}
        hostile_job: dict[str, Any] | None = None
        for round_no in range(args.rounds):
            for kind in ("baseline", "hostile"):
                with Load(server, apps[kind], args.jobs) as load:
                    time.sleep(1.0)  # let the jobs reach their steps
                    got = measure(server, args.seconds)
                latencies[kind] += got
                ended = [j for j in load.done if (j.get("result") or {}).get("test_run_id")]
                steps_run[kind] += len(ended) * args.steps
                if kind == "hostile" and ended:
                    hostile_job = ended[-1]
                print(
                    f"round {round_no + 1} {kind:8}: {len(got)} calls, p50 {p(got, 50):.1f} ms, "
                    f"p99 {p(got, 99):.1f} ms, max {max(got):.1f} ms; "
                    f"{len(load.done)} jobs ended meanwhile",
                    flush=True,
                )
                for error in load.errors[:3]:
                    print(f"  {error}", flush=True)
        print(f"\nload average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
        for kind, values in latencies.items():
            print(
                f"{kind:8}: GET /users/me n={len(values)} p50 {p(values, 50):.1f} ms "
                f"p99 {p(values, 99):.1f} ms max {max(values):.1f} ms "
                f"(steps finished during the phases: {steps_run[kind]})"
            )
        ratio = p(latencies["hostile"], 99) / p(latencies["baseline"], 99)
        print(f"hostile/baseline p99: {ratio:.2f}")
        if hostile_job is not None:
            print("a hostile step's failed assertions:")
            for reason in first_reasons(server, apps["hostile"], hostile_job):
                print(f"  - {reason}")
    finally:
        server.stop()
        target.stop()


def _commit(code: Path) -> str:
    done = subprocess.run(
        ["git", "log", "--oneline", "-1"], cwd=code, capture_output=True, text=True
    )
    return done.stdout.strip()[:60]


def _app(server: Server, endpoint: str) -> str:
    response = server.http.post(
        "/apps", json={"name": f"regex-{time.time_ns()}", "endpoint": endpoint}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


if __name__ == "__main__":
    main()
