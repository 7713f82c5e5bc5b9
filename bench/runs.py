"""The run pipeline against baselines measured in the same run.

    .venv/bin/python bench/runs.py [--only a|b|c] [--steps 2000] [--rounds 7] [--no-pin]
                                   [--no-peers] [--jobs 200] [--followers 100]

(a) steps per second of one long suite run as a job through the API (``gauntlet serve``,
    embedded, once per runner transport), submit -> end of the job's event stream read by
    a follower attached from the submission (and, to compare, one reading only the last
    steps' events), against a fast local target (nginx serving a static file when
    installed), vs plain sequential httpx and urllib3 loops over the same requests and the
    same suite in StepCI and Newman (npm; skipped without node);
(b) jobs per second end to end for many one-step runs in the scaled deployment
    (``gauntlet api`` + ``gauntlet worker`` with its default settings, private Redis and
    PostgreSQL), vs raw Dramatiq no-op messages through the same Redis with a worker of
    ``--threads`` threads, and vs the stack's floor (bench/_skeleton.py: FastAPI and
    Dramatiq doing one GET per job, no database; and its durable variant, the same with
    the job, its events and the key in PostgreSQL); then PostgreSQL statements per job of
    the worker and of the API, counted from the server's statement log;
(c) event delivery lag (event timestamp at append -> line received by a follower) with
    many followers on one job, p50 and p99.

Needs redis-server and PostgreSQL binaries for (b); nginx is optional.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._skeleton import skeleton_jobs_per_second  # noqa: E402
from bench._targets import pinned_to, static_target  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402
from tests.support.pets_target import PetsTarget  # noqa: E402
from tests.support.services import start_postgres, start_redis  # noqa: E402

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
QUIET = {"GAUNTLET_LOG_LEVEL": "WARNING", "GAUNTLET_LOG_FORMAT": "json"}
NO_LIMIT = {
    "GAUNTLET_RATE_LIMIT_PER_MINUTE": "1000000000",
    "GAUNTLET_RATE_LIMIT_BURST": "1000000000",
}


class Server:
    """A Gauntlet process (serve or api) with a key, started from env."""

    def __init__(self, env: dict[str, str], command: str = "serve", cpu: int | None = None) -> None:
        self.env = env
        self.key = (
            subprocess.run(
                [*GAUNTLET, "keys", "create", "--org", "bench", "--name", secrets.token_hex(3)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        self.process = subprocess.Popen(
            [*GAUNTLET, command, "--port", str(port)], env=env, preexec_fn=pinned_to(cpu)
        )
        self.url = f"http://127.0.0.1:{port}/client/v1"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=120
        )

    def app_with_suite(self, base_url: str, steps: list[dict]) -> tuple[str, str]:
        app = self.client.post("/apps", json={"name": secrets.token_hex(4), "endpoint": base_url})
        app_id = app.json()["data"]["id"]
        suite = self.client.post(
            f"/apps/{app_id}/test-suites", json={"name": "bench", "steps": steps}
        )
        return app_id, suite.json()["data"]["id"]

    def run(self, app_id: str) -> str:
        return str(
            self.client.post(f"/apps/{app_id}/test-suites/run", json={}).json()["data"]["job_id"]
        )

    def wait(self, job_id: str, poll_s: float = 0.2) -> dict:
        """Poll the job until it ends."""
        while True:
            job = self.client.get(f"/jobs/{job_id}").json()["data"]
            if job["job_status"] not in ("QUEUED", "RUNNING"):
                return dict(job)
            time.sleep(poll_s)

    def wait_for_end_event(self, job_id: str, after: int = 0) -> tuple[dict, int]:
        """Follow the job's events from ``after`` until the stream ends (the terminal
        event), as a CI script does; returns the job and the number of event lines
        received. The lines are counted, not parsed, so that the follower's own work
        stays small next to the server's it measures."""
        lines = 0
        with self.client.stream(
            "GET", f"/jobs/{job_id}/events", params={"after": after}
        ) as response:
            for chunk in response.iter_raw():
                lines += chunk.count(b"\n")
        return dict(self.client.get(f"/jobs/{job_id}").json()["data"]), lines

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=20)


def _raw_loop(client: httpx.Client, url: str, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        assert client.get(url).status_code == 200
    return steps / (time.perf_counter() - started)


def _urllib3_loop(pool: Any, url: str, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        assert pool.request("GET", url).status == 200
    return steps / (time.perf_counter() - started)


# Gauntlet as measured: (runner transport, where the follower starts reading the job's
# events). "start": from the submission, receiving every step's event while the run goes
# on (the issue's figure); "end": from the last steps' events, as bench/runs.py read them
# before issue 16. One `gauntlet serve` per transport (GAUNTLET_RUNNER_TRANSPORT).
TRANSPORTS = ("stdlib", "httpcore")
VARIANTS = (("stdlib", "start"), ("httpcore", "start"), ("stdlib", "end"))


def bench_steps(steps: int, rounds: int, pin: bool, peers: bool = True) -> None:
    """Rounds alternate the contenders (plain httpx and urllib3 loops, Gauntlet in each
    of :data:`VARIANTS`, StepCI, Newman), so that a machine whose speed drifts (a shared
    VM) moves them alike; the median of the rounds' ratios is the figure. Gauntlet is
    timed from the submission to the end of the job's event stream as its follower reads
    it.

    With ``pin``, the target runs on the last CPU and every contender (the loops and the
    follower in this process, the Gauntlet servers, node) on the first: each in turn gets
    one core, against a target that has another to itself. Unpinned on a 2-core machine,
    the target and whichever contender runs share both cores with every other thread the
    scheduler wakes (the server has more of them), which the loop pays less for."""
    import urllib3

    from bench._peers import Peers

    cpus = _bench_cpus() if pin else None
    target_cpu, contender_cpu = cpus or (None, None)
    tools, about_peers = Peers.install() if peers else (None, "not asked for (--no-peers)")
    if tools is None:
        print(f"(a) StepCI and Newman skipped: {about_peers}")
    rates: dict[str, list[float]] = {}
    inside: dict[str, list[float]] = {}
    own: dict[str, list[float]] = {}
    baseline: dict[str, list[float]] = {}  # the httpx loop's rate around each contender's
    with static_target(target_cpu) as (base_url, path, description):
        url = base_url + path
        request = {"method": "GET", "path": path}
        step = {
            "name": "get",
            "request": request,
            "assertions": [{"type": "status_code", "expected": 200}],
        }
        servers: dict[str, Server] = {}
        apps: dict[str, str] = {}
        everywhere = os.sched_getaffinity(0) if cpus else set()
        try:
            for transport in TRANSPORTS:
                data = tempfile.mkdtemp(prefix="gauntlet-bench-")
                env = os.environ | QUIET | NO_LIMIT | {"GAUNTLET_DATA_DIR": data}
                env["GAUNTLET_RUNNER_TRANSPORT"] = transport
                servers[transport] = Server(env, cpu=contender_cpu)
                apps[transport], _ = servers[transport].app_with_suite(base_url, [step] * steps)
                servers[transport].wait(servers[transport].run(apps[transport]))  # warm-up
            if contender_cpu is not None:
                os.sched_setaffinity(0, {contender_cpu})
            if tools is not None:
                tools.write_suite(url, steps)
                tools.run_stepci()  # warm-up (node's caches)
            with httpx.Client() as client, urllib3.PoolManager() as pool:
                _raw_loop(client, url, 100)  # warm-up
                _urllib3_loop(pool, url, 100)
                for _ in range(rounds):
                    # Each contender against the httpx loops run just before and after it:
                    # on a shared machine the speed drifts within a round.
                    before = _raw_loop(client, url, steps)
                    rates.setdefault("httpx", []).append(before)
                    rates.setdefault("urllib3", []).append(_urllib3_loop(pool, url, steps))
                    after = _raw_loop(client, url, steps)
                    baseline.setdefault("urllib3", []).append((before + after) / 2)
                    for transport, join in VARIANTS:
                        before = after
                        rate, run_rate = _gauntlet_run(
                            servers[transport], apps[transport], steps, join
                        )
                        after = _raw_loop(client, url, steps)
                        rates.setdefault(f"{transport}/{join}", []).append(rate)
                        inside.setdefault(f"{transport}/{join}", []).append(run_rate)
                        baseline.setdefault(f"{transport}/{join}", []).append((before + after) / 2)
                    if tools is not None:
                        for name, run in (
                            ("StepCI", tools.run_stepci),
                            ("Newman", tools.run_newman),
                        ):
                            result = run()
                            rates.setdefault(name, []).append(steps / result.wall_s)
                            own.setdefault(name, []).append(steps / result.run_s)
        finally:
            for server in servers.values():
                server.stop()
            if tools is not None:
                tools.close()
            if everywhere:  # (b) and (c) run unpinned
                os.sched_setaffinity(0, everywhere)
    _report_steps(steps, description, cpus, about_peers, rates, inside, own, baseline)


def _gauntlet_run(server: Server, app_id: str, steps: int, join: str) -> tuple[float, float]:
    """One run: (steps/s submit -> end of the event stream, steps/s inside the run)."""
    submitted = time.perf_counter()
    job_id = server.run(app_id)
    job, lines = server.wait_for_end_event(job_id, after=0 if join == "start" else steps)
    took = time.perf_counter() - submitted
    assert job["job_status"] == "COMPLETED", job
    if join == "start":
        assert lines >= steps, f"the follower received {lines} events"
    run = server.client.get(f"/apps/{app_id}/test-runs/{job['result']['test_run_id']}").json()[
        "data"
    ]
    assert run["passed_steps"] == steps, run
    return steps / took, steps / (run["duration_ms"] / 1000)


def _report_steps(
    steps: int,
    description: str,
    cpus: tuple[int, int] | None,
    about_peers: str,
    rates: dict[str, list[float]],
    inside: dict[str, list[float]],
    own: dict[str, list[float]],
    baseline: dict[str, list[float]],
) -> None:
    def ratio(a: list[float], b: list[float]) -> str:
        return f"{statistics.median(x / y for x, y in zip(a, b, strict=True)):.2f}"

    def line(label: str, figure: str, note: str = "") -> None:
        print(f"      {label:52s} {figure:>5s}{'   ' + note if note else ''}")

    pinning = f"target on CPU {cpus[0]}, every contender on CPU {cpus[1]}" if cpus else "not pinned"
    print(f"(a) target: {description}; one suite of {steps} GET steps, status asserted; {pinning}")
    print(
        "    Gauntlet[transport/follower]: `gauntlet serve`, submit -> end of the event stream,"
        " read by a follower from the submission (start) or from the last steps (end);"
        " run = inside the run; ~ = the httpx loops just before and after"
    )
    if "StepCI" in rates:
        print(f"    peers: {about_peers}; own = the tool's run time, wall = process start -> exit")
    for i in range(len(rates["httpx"])):
        cells = [f"httpx {rates['httpx'][i]:4.0f}", f"urllib3 {rates['urllib3'][i]:4.0f}"]
        for transport, join in VARIANTS:
            key = f"{transport}/{join}"
            cells.append(
                f"[{key}] {rates[key][i]:4.0f} (run {inside[key][i]:4.0f}, ~{baseline[key][i]:4.0f})"
            )
        for name in ("StepCI", "Newman"):
            if name in rates:
                cells.append(f"{name} {own[name][i]:4.0f} (wall {rates[name][i]:4.0f})")
        print(f"    round {i + 1}, steps/s: " + " | ".join(cells))
    main = rates["stdlib/start"]
    print("    medians of the rounds' ratios:")
    line("urllib3 loop / httpx loop", ratio(rates["urllib3"], baseline["urllib3"]))
    for transport, join in VARIANTS:
        key = f"{transport}/{join}"
        line(
            f"Gauntlet[{key}] / httpx loop",
            ratio(rates[key], baseline[key]),
            f"(inside the run {ratio(inside[key], baseline[key])})",
        )
    line(
        "Gauntlet[stdlib/start] / Gauntlet[httpcore/start]",
        ratio(main, rates["httpcore/start"]),
        f"(inside the run {ratio(inside['stdlib/start'], inside['httpcore/start'])})",
    )
    line(
        "Gauntlet[stdlib/start] / Gauntlet[stdlib/end]",
        ratio(main, rates["stdlib/end"]),
        f"(inside the run {ratio(inside['stdlib/start'], inside['stdlib/end'])})",
    )
    for name in ("StepCI", "Newman"):
        if name in rates:
            line(
                f"Gauntlet[stdlib/start] / {name} (its own run time)",
                ratio(main, own[name]),
                f"(its wall time {ratio(main, rates[name])})",
            )


def _bench_cpus() -> tuple[int, int] | None:
    """(target CPU, contenders' CPU), or None where affinity cannot be set."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    available = sorted(os.sched_getaffinity(0))
    return (available[-1], available[0]) if len(available) >= 2 else None


NOOP_WORKER = """
import sys, dramatiq, redis
from dramatiq.brokers.redis import RedisBroker
url, ns, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
broker = RedisBroker(url=url, namespace=ns)
counter = redis.Redis.from_url(url)
@dramatiq.actor(broker=broker, queue_name="noop", max_retries=0)
def noop(i):
    counter.incr(ns + ":done")
worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
worker.queue_prefetch = threads
worker.start()
sys.stdin.read()
worker.stop()
"""


def bench_jobs(jobs: int, threads: int) -> None:
    """Jobs per second with ``gauntlet worker``'s default settings (processes and threads
    as an operator gets them), vs raw Dramatiq no-op messages on a worker of ``threads``
    threads; then PostgreSQL statements per job, counted from the server's own log."""
    redis_server, postgres = start_redis(), start_postgres()
    try:
        raw = _raw_dramatiq(redis_server.url, jobs, threads)
        floor_target = PetsTarget().start()
        try:
            floor_port = floor_target.server_address[1]
            floor = skeleton_jobs_per_second(redis_server.url, floor_port, jobs)
            durable = skeleton_jobs_per_second(redis_server.url, floor_port, jobs, postgres.url)
        finally:
            floor_target.stop()
        env = (
            os.environ
            | QUIET
            | NO_LIMIT
            | {
                "GAUNTLET_DATA_DIR": tempfile.mkdtemp(prefix="gauntlet-bench-"),
                "GAUNTLET_REDIS_URL": redis_server.url,
            }
        )
        # The worker settings are the defaults: nothing from the caller's environment.
        env = {k: v for k, v in env.items() if not k.startswith("GAUNTLET_WORKER_")}
        api_env = env | {"GAUNTLET_DATABASE_URL": _named(postgres.url, API_APP)}
        worker_env = env | {"GAUNTLET_DATABASE_URL": _named(postgres.url, WORKER_APP)}
        target = PetsTarget().start()
        server = Server(api_env, "api")
        gworker = subprocess.Popen([*GAUNTLET, "worker"], env=worker_env)
        try:
            step = {
                "name": "health",
                "request": {"method": "GET", "path": "/health"},
                "assertions": [{"type": "status_code", "expected": 200}],
            }
            app_id, _ = server.app_with_suite(target.url, [step])
            server.wait(server.run(app_id))  # the worker is up
            pids = (
                gworker.pid,
                server.process.pid,
                postgres.process.pid,
                redis_server.process.pid,
            )
            cpu_before = [_cpu_seconds(pid) for pid in pids] + [time.process_time()]
            started = time.perf_counter()
            ids = [server.run(app_id) for _ in range(jobs)]
            for job_id in ids:
                assert server.wait(job_id, poll_s=0.01)["job_status"] == "COMPLETED"
            gauntlet = jobs / (time.perf_counter() - started)
            cpu_after = [_cpu_seconds(pid) for pid in pids] + [time.process_time()]
            # ms per job: worker, API, PostgreSQL, Redis, this process (client and target)
            cpu = [(a - b) / jobs * 1000 for a, b in zip(cpu_after, cpu_before, strict=True)]
            # Read after the pass: a process that started last may not have beaten yet before.
            workers = _worker_shape(postgres.url)
            counts = _statements_per_job(server, app_id, postgres, jobs)
        finally:
            gworker.terminate()
            gworker.wait(timeout=30)
            server.stop()
            target.stop()
    finally:
        redis_server.stop()
        postgres.stop()
    print(f"(b) {jobs} one-step RUN jobs, private Redis + PostgreSQL")
    print(f"    raw Dramatiq no-op messages   : {raw:8.1f} msg/s  (one process, {threads} threads)")
    print(
        f"    skeleton (bench/_skeleton.py) : {floor:8.1f} jobs/s  ratio {floor / raw:.3f}"
        "  (FastAPI + Dramatiq + one GET, no database: the stack's floor)"
    )
    print(
        f"    durable skeleton              : {durable:8.1f} jobs/s  ratio {durable / raw:.3f}"
        "  (the same + key, job, events in PostgreSQL, 6 raw statements: a durable floor)"
    )
    print(
        f"    Gauntlet one-step runs        : {gauntlet:8.1f} jobs/s  ratio {gauntlet / raw:.3f}"
        f"  (`gauntlet worker` defaults: {workers})"
    )
    print(
        f"    CPU per job in the timed pass  : worker {cpu[0]:.1f} ms, API {cpu[1]:.1f} ms"
        f" (with the benchmark's polling), PostgreSQL {cpu[2]:.1f} ms, Redis {cpu[3]:.1f} ms,"
        f" benchmark client and target {cpu[4]:.1f} ms: {sum(cpu):.1f} ms in all"
    )
    print(
        f"    PostgreSQL statements per job (server log, {jobs} more jobs): "
        f"worker {counts.worker:.1f} (of which idle background {counts.background:.1f}), "
        f"API {counts.submit:.1f} to submit + {counts.get:.1f} per GET /jobs/{{id}}"
    )


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` and of its children alive now (the
    processes of a supervising ``gauntlet worker``); 0 where /proc is missing."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _raw_dramatiq(redis_url: str, jobs: int, threads: int) -> float:
    import dramatiq
    import redis
    from dramatiq.brokers.redis import RedisBroker

    ns = f"noop{secrets.token_hex(3)}"
    worker = subprocess.Popen(
        [sys.executable, "-c", NOOP_WORKER, redis_url, ns, str(threads)], stdin=subprocess.PIPE
    )
    broker = RedisBroker(url=redis_url, namespace=ns)
    broker.declare_queue("noop")
    counter = redis.Redis.from_url(redis_url)
    time.sleep(1)
    started = time.perf_counter()
    for i in range(jobs):
        broker.enqueue(
            dramatiq.Message(queue_name="noop", actor_name="noop", args=(i,), kwargs={}, options={})
        )
    while int(counter.get(ns + ":done") or 0) < jobs:
        time.sleep(0.005)
    raw = jobs / (time.perf_counter() - started)
    worker.communicate(b"", timeout=30)
    broker.close()
    counter.close()
    return raw


# application_name of each process's connections, so the server's log tells them apart.
API_APP, WORKER_APP, BENCH_APP = "gauntlet-api", "gauntlet-worker", "bench"


def _named(url: str, application: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={application}"


def _bench_engine(url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(_named(url, BENCH_APP), isolation_level="AUTOCOMMIT")


def _worker_shape(url: str) -> str:
    """What the running `gauntlet worker` brought, as its heartbeats say."""
    from sqlalchemy import text

    engine = _bench_engine(url)
    try:
        with engine.connect() as connection:
            threads = connection.execute(
                text("SELECT threads FROM worker_heartbeats WHERE mode = 'worker'")
            ).all()
    finally:
        engine.dispose()
    per = sorted({row[0] for row in threads})
    return f"{len(threads)} process(es) x {'/'.join(map(str, per))} threads"


@dataclass
class StatementCounts:
    worker: float
    background: float
    submit: float
    get: float


# What the server logs per statement with log_statement=all: simple queries and the
# execute step of extended ones (parse and bind are not logged).
STATEMENT_LINE = re.compile(r"^([^|]*)\|.*?LOG:\s+(?:statement|execute [^:]*):")
IDLE_WINDOW_S = 3.0


def _statements_per_job(server: Server, app_id: str, postgres: Any, jobs: int) -> StatementCounts:
    """Turn the server's statement log on, then count what each process sends: the
    worker's for ``jobs`` jobs (after an idle window that measures its background), the
    API's for their submission and for one GET /jobs/{id} each. Completion is read from
    the database by this process (application ``bench``, not counted)."""
    from sqlalchemy import text

    engine = _bench_engine(postgres.url)
    log_path = Path(postgres.log_path)
    try:
        with engine.connect() as connection:
            connection.execute(text("ALTER SYSTEM SET log_statement = 'all'"))
            connection.execute(text("ALTER SYSTEM SET log_line_prefix = '%a|'"))
            connection.execute(text("SELECT pg_reload_conf()"))
            time.sleep(0.5)  # every backend has read the new configuration
            mark = log_path.stat().st_size
            time.sleep(IDLE_WINDOW_S)
            idle = _count(log_path, mark)
            mark = log_path.stat().st_size
            started = time.monotonic()
            ids = [server.run(app_id) for _ in range(jobs)]
            submitted = _count(log_path, mark)
            done = text("SELECT count(*) FROM jobs WHERE id = ANY(:ids) AND status = 'COMPLETED'")
            while connection.execute(done, {"ids": ids}).scalar_one() < jobs:
                time.sleep(0.02)
            time.sleep(0.5)  # what a worker does after the job reads COMPLETED
            elapsed = time.monotonic() - started
            worked = _count(log_path, mark)
            mark = log_path.stat().st_size
            for job_id in ids:
                assert server.client.get(f"/jobs/{job_id}").json()["data"]["job_status"] == (
                    "COMPLETED"
                )
            got = _count(log_path, mark)
            connection.execute(text("ALTER SYSTEM RESET log_statement"))
            connection.execute(text("ALTER SYSTEM RESET log_line_prefix"))
            connection.execute(text("SELECT pg_reload_conf()"))
    finally:
        engine.dispose()
    background = idle.get(WORKER_APP, 0) / IDLE_WINDOW_S * elapsed
    return StatementCounts(
        worker=worked.get(WORKER_APP, 0) / jobs,
        background=background / jobs,
        submit=submitted.get(API_APP, 0) / jobs,
        get=got.get(API_APP, 0) / jobs,
    )


def _count(log_path: Path, offset: int) -> Counter[str]:
    """Statements per application logged since ``offset``."""
    counts: Counter[str] = Counter()
    with log_path.open("rb") as log:
        log.seek(offset)
        for line in log.read().decode(errors="replace").splitlines():
            match = STATEMENT_LINE.match(line)
            if match:
                counts[match.group(1)] += 1
    return counts


# Followers as raw asyncio connections: they only stamp each chunk's arrival and parse
# after the job, so the client's own parsing never queues in front of a measurement.
FOLLOWERS = """
import asyncio, json, sys, time
from datetime import datetime
from urllib.parse import urlsplit
url, key, job_id, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
parts = urlsplit(url)
request = (f"GET {parts.path}/jobs/{job_id}/events HTTP/1.1\\r\\nHost: {parts.netloc}\\r\\n"
           f"Authorization: Bearer {key}\\r\\nConnection: close\\r\\n\\r\\n").encode()
async def follow():
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(request)
    await writer.drain()
    chunks = []
    connected = None
    while True:
        data = await reader.read(65536)
        if not data:
            break
        now = time.time()
        connected = connected or now
        chunks.append((now, data))
    writer.close()
    return connected, chunks
async def main():
    return await asyncio.gather(*(follow() for _ in range(count)))
lags = []
for connected, chunks in asyncio.run(main()):
    for arrived, data in chunks:
        for line in data.split(b"\\n"):
            start = line.find(b"{")
            if start < 0 or b'"step.completed"' not in line:
                continue
            try:
                event = json.loads(line[start:])
            except ValueError:
                continue  # a line split across two reads: rare, skipped
            stamp = datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
            appended = (stamp - datetime(1970, 1, 1)).total_seconds()
            if appended >= connected:  # live events only: stored ones measure the connect
                lags.append(arrived - appended)
print(json.dumps(lags))
"""

TARGET = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.support.pets_target import PetsTarget
target = PetsTarget().start()
target.slow_ms = 20
print(target.url, flush=True)
sys.stdin.read()
"""


def bench_lag(followers: int, steps: int, processes: int = 2) -> None:
    """Followers in ``processes`` client processes, the target in one of its own, so that
    the clients' parsing and the target do not queue behind each other and the server."""
    target = subprocess.Popen(
        [sys.executable, "-c", TARGET, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert target.stdout is not None
    target_url = target.stdout.readline().strip()
    data = tempfile.mkdtemp(prefix="gauntlet-bench-")
    server = Server(os.environ | QUIET | NO_LIMIT | {"GAUNTLET_DATA_DIR": data})
    lags: list[float] = []
    try:
        step = {"name": "health", "request": {"method": "GET", "path": "/health"}}
        app_id, _ = server.app_with_suite(target_url, [step] * steps)
        server.client.post("/users/me")
        job_id = server.run(app_id)
        share = followers // processes
        clients = [
            subprocess.Popen(
                [sys.executable, "-c", FOLLOWERS, server.url, server.key, job_id, str(share)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        for client in clients:
            out, _ = client.communicate(timeout=300)
            lags.extend(json.loads(out))
    finally:
        server.stop()
        target.communicate("", timeout=10)
    lags.sort()
    p50, p99 = statistics.median(lags), lags[int(len(lags) * 0.99) - 1]
    print(
        f"(c) {followers} followers of one job in {processes} client processes, {steps} step events at ~50/s ({len(lags)} deliveries)"
    )
    print(
        f"    delivery lag p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   max {lags[-1] * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7, help="(a): alternating rounds")
    parser.add_argument(
        "--no-pin", action="store_true", help="(a): leave CPU placement to the scheduler"
    )
    parser.add_argument("--no-peers", action="store_true", help="(a): without StepCI and Newman")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument(
        "--threads", type=int, default=4, help="(b): threads of the raw Dramatiq worker"
    )
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--only", choices=["a", "b", "c"])
    args = parser.parse_args()
    if args.only in (None, "a"):
        bench_steps(args.steps, args.rounds, pin=not args.no_pin, peers=not args.no_peers)
    if args.only in (None, "b"):
        bench_jobs(args.jobs, args.threads)
    if args.only in (None, "c"):
        bench_lag(args.followers, 200)


if __name__ == "__main__":
    main()
