"""Org feed lag: many followers of ``GET /client/v1/events?follow=true`` while jobs run.

    .venv/bin/python bench/feed_lag.py [--embedded | --scaled] [--followers 200]
                                       [--seconds 20] [--rate 4] [--processes 2]

Starts Gauntlet as real processes: embedded ``gauntlet serve`` (SQLite, worker threads in
the API process) and/or scaled ``gauntlet api`` + one ``gauntlet worker`` on a private
Redis and PostgreSQL (neither flag: both, one after the other). ``--followers`` clients
follow the organization's feed from its current end (``after`` = the cursor of its last
page), spread over ``--processes`` client processes (asyncio + httpx streaming); then
one-step runs are submitted at ``--rate`` a second for ``--seconds`` against a loopback
target in a process of its own.

Per received event line, lag = the time the chunk holding its last byte reached the
client minus the event's ``timestamp`` (set by the store at append, milliseconds; same
clock). The clients only stamp chunks while the jobs run and parse afterwards, so their
own parsing never queues in front of a measurement; each client process also reports its
CPU and its event loop's lag (a 10 ms sleep's overshoot), to tell a slow server from a
busy client. Completeness: once every job has ended, the feed is read page by page
(``follow=false``) from the same cursor, and every follower must have received exactly
those events, each once, in that order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.runs import NO_LIMIT, QUIET, Server  # noqa: E402
from tests.support.services import PrivateServer, start_postgres, start_redis  # noqa: E402

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
TERMINAL = ("COMPLETED", "FAILED", "STOPPED", "CANCELLED")
HEALTH_STEP = {
    "name": "health",
    "request": {"method": "GET", "path": "/health"},
    "assertions": [{"type": "status_code", "expected": 200}],
}
# The target in a process of its own, so that it never queues behind the benchmark.
TARGET = """
import sys
sys.path.insert(0, sys.argv[1])
from tests.support.pets_target import PetsTarget
target = PetsTarget().start()
print(target.url, flush=True)
sys.stdin.read()
"""
# How long followers wait for the last events once every job has ended.
DRAIN_SECONDS = 15.0


# --- the client processes ------------------------------------------------------------


async def _follow(
    client: httpx.AsyncClient,
    cursor: str | None,
    chunks: list[tuple[float, bytes]],
    ready: asyncio.Event,
    counts: list[int],
    index: int,
) -> None:
    params = {"follow": "true", **({"after": cursor} if cursor else {})}
    async with client.stream("GET", "/events", params=params) as response:
        response.raise_for_status()
        ready.set()
        async for chunk in response.aiter_raw():
            chunks.append((time.time(), chunk))
            counts[index] += chunk.count(b'"seq":')


async def _loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    # How late a 10 ms sleep wakes: the time any chunk may have waited for this loop.
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(time.perf_counter() - started - 0.01)


async def _followers(url: str, key: str, cursor: str | None, count: int) -> dict[str, Any]:
    """Follow the feed ``count`` times; print "ready" once every stream is open, then read
    from stdin the number of events each must get, and stop once they all have them."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    headers = {"Authorization": f"Bearer {key}"}
    chunks: list[list[tuple[float, bytes]]] = [[] for _ in range(count)]
    counts = [0] * count
    readies = [asyncio.Event() for _ in range(count)]
    lag_samples: list[float] = []
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=None) as c:
        tasks = [
            asyncio.create_task(_follow(c, cursor, chunks[i], readies[i], counts, i))
            for i in range(count)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        cpu_start = _cpu_self()
        monitor = asyncio.create_task(_loop_lag(lag_samples, stop))
        print("ready", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        expected = int(line)
        deadline = time.monotonic() + DRAIN_SECONDS
        while min(counts) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        cpu = _cpu_self() - cpu_start
        stop.set()
        await monitor
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "cpu": cpu,
        "loop_lag": sorted(lag_samples),
        "followers": [_events(stamped) for stamped in chunks],
    }


def _events(chunks: list[tuple[float, bytes]]) -> list[list[Any]]:
    """``[job_id, seq, lag_s]`` per event line, in order; a line's arrival is that of the
    chunk holding its newline."""
    out: list[list[Any]] = []
    buffer = b""
    for arrived, chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("type") == "heartbeat":
                continue
            stamp = datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
            appended = stamp.replace(tzinfo=UTC).timestamp()
            out.append([event["job_id"], event["seq"], arrived - appended])
    return out


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def follower_main(url: str, key: str, cursor: str, count: int) -> None:
    result = asyncio.run(_followers(url, key, cursor or None, count))
    sys.stdout.write(json.dumps(result) + "\n")


# --- the benchmark -------------------------------------------------------------------


def _feed_end(server: Server) -> str | None:
    """The cursor at the feed's current end."""
    cursor, _ = _feed_after(server, None)
    return cursor


def _feed_after(server: Server, after: str | None) -> tuple[str | None, list[tuple[str, int]]]:
    """Every event after ``after`` as ``(job_id, seq)``, and the cursor past them."""
    events: list[tuple[str, int]] = []
    while True:
        params: dict[str, Any] = {"page_size": 100, **({"after": after} if after else {})}
        page = server.client.get("/events", params=params).json()
        events.extend((e["job_id"], e["seq"]) for e in page["data"])
        after = page["meta"]["pagination"]["next_cursor"] or after
        if not page["meta"]["pagination"]["has_next_page"]:
            return after, events


def _server_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        process = psutil.Process(pid)
        for p in [process, *process.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system
    return total


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, max(0, int(len(values) * q + 0.5) - 1))]


def measure(
    server: Server, pids: list[int], followers: int, seconds: float, rate: float, processes: int
) -> dict[str, Any]:
    target = subprocess.Popen(
        [sys.executable, "-c", TARGET, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert target.stdout is not None
    target_url = target.stdout.readline().strip()
    clients: list[subprocess.Popen[str]] = []
    try:
        app_id, _ = server.app_with_suite(target_url, [HEALTH_STEP])
        # One run before the followers: the first job pays for imports and connections.
        server.wait(server.run(app_id), poll_s=0.05)
        cursor = _feed_end(server)
        shares = [followers // processes + (i < followers % processes) for i in range(processes)]
        clients = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--_follower",
                    server.url,
                    server.key,
                    cursor or "",
                    str(share),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for share in shares
            if share
        ]
        for client in clients:
            assert client.stdout is not None
            assert client.stdout.readline().strip() == "ready", "followers did not connect"
        cpu_before = _server_cpu(pids)
        started = time.perf_counter()
        jobs = []
        for i in range(int(seconds * rate)):
            pause = started + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            jobs.append(server.run(app_id))
        submitted = time.perf_counter() - started
        for job_id in jobs:
            server.wait(job_id, poll_s=0.05)
        window = time.perf_counter() - started
        server_cpu = _server_cpu(pids) - cpu_before
        _, expected = _feed_after(server, cursor)
        results = []
        for client in clients:
            assert client.stdin is not None
            client.stdin.write(f"{len(expected)}\n")
            client.stdin.flush()
        for client in clients:
            out, _ = client.communicate(timeout=DRAIN_SECONDS + 120)
            results.append(json.loads(out))
    finally:
        for client in clients:
            if client.poll() is None:
                client.kill()
        target.communicate("", timeout=10)
    lags: list[float] = []
    complete = 0
    received: list[int] = []
    for result in results:
        for events in result["followers"]:
            received.append(len(events))
            complete += [(job, seq) for job, seq, _ in events] == expected
            lags.extend(lag for _, _, lag in events)
    lags.sort()
    loop_lags = sorted(x for r in results for x in r["loop_lag"])
    return {
        "jobs": len(jobs),
        "submitted_s": submitted,
        "window_s": window,
        "events": len(expected),
        "followers": followers,
        "complete": complete,
        "received_min": min(received, default=0),
        "received_max": max(received, default=0),
        "lags": lags,
        "server_cpu": server_cpu / window,
        "client_cpu": [r["cpu"] / window for r in results],
        "loop_lag_p99": _pct(loop_lags, 0.99) if loop_lags else 0.0,
        "loop_lag_max": loop_lags[-1] if loop_lags else 0.0,
    }


def run_deployment(scaled: bool, args: argparse.Namespace) -> dict[str, Any]:
    env = os.environ | QUIET | NO_LIMIT | {"GAUNTLET_DATA_DIR": tempfile.mkdtemp(prefix="gfl-")}
    services: list[PrivateServer] = []
    worker: subprocess.Popen[bytes] | None = None
    server: Server | None = None
    try:
        if scaled:
            services = [start_redis(), start_postgres()]
            env |= {"GAUNTLET_REDIS_URL": services[0].url, "GAUNTLET_DATABASE_URL": services[1].url}
        server = Server(env, "api" if scaled else "serve")
        pids = [server.process.pid]
        if scaled:
            worker = subprocess.Popen([*GAUNTLET, "worker"], env=env)
            pids.append(worker.pid)
        return measure(server, pids, args.followers, args.seconds, args.rate, args.processes)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        if server is not None:
            server.stop()
        for service in services:
            service.stop()


def report(name: str, r: dict[str, Any]) -> None:
    lags = r["lags"]
    ms = [x * 1000 for x in lags] if lags else [float("nan")]
    clients = ", ".join(f"{c * 100:.0f}%" for c in r["client_cpu"])
    print(
        f"{name:<9} | {r['jobs']:>4} | {r['events']:>6} | {len(lags):>8} | "
        f"{_pct(ms, 0.50):6.1f} | {_pct(ms, 0.95):6.1f} | {_pct(ms, 0.99):6.1f} | "
        f"{ms[-1]:7.1f} | {r['complete']:>4}/{r['followers']:<4} "
        f"({r['received_min']}-{r['received_max']}) | {r['server_cpu'] * 100:5.0f}% | "
        f"{clients} (loop lag p99 {r['loop_lag_p99'] * 1000:.1f} ms, "
        f"max {r['loop_lag_max'] * 1000:.1f} ms)"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--_follower":
        follower_main(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--embedded", action="store_true", help="only gauntlet serve")
    which.add_argument("--scaled", action="store_true", help="only gauntlet api + worker")
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long jobs are submitted")
    parser.add_argument("--rate", type=float, default=4.0, help="one-step runs submitted a second")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    args = parser.parse_args()
    deployments = [False, True] if not (args.embedded or args.scaled) else [args.scaled]
    results = {}
    for scaled in deployments:
        name = "scaled" if scaled else "embedded"
        results[name] = run_deployment(scaled, args)
    print(
        f"{args.followers} followers of the org feed in {args.processes} client process(es); "
        f"one-step runs at {args.rate:g}/s for {args.seconds:g} s; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        "deploy    | jobs | events | received |    p50 |    p95 |    p99 |     max | "
        "complete (events/follower) | server CPU | client CPU per process"
    )
    for name, r in results.items():
        report(name, r)
    print("lag in ms; CPU as a share of one core over the submit-to-last-job window")


if __name__ == "__main__":
    main()
