"""Webhooks against baselines measured in the same run.

    .venv/bin/python bench/webhooks.py [--only a|b] [--deliveries 600] [--jobs 60]
                                       [--rounds 5] [--subscriptions 3] [--scaled]

(a) delivery throughput: runs of an organization with 100 subscriptions to ``job.*`` (the
    most it may have), so each run fans out into 300 deliveries at once, to a loopback
    receiver; deliveries per second from the first run's submission to the last delivery
    received, vs a plain sequential httpx loop POSTing the same signed body to the same
    receiver;
(b) the added cost to runs: jobs per second of one-step runs submitted in a burst, in an
    organization without webhooks and in one with ``--subscriptions`` subscriptions to
    ``--events`` (``job.*`` by default: each run then makes 3 deliveries per
    subscription), rounds alternating, both organizations on the same server, each
    round's deliveries drained before the next; the median round's ratio is the figure.

Embedded ``gauntlet serve`` by default (SQLite, worker threads in the API process);
``--scaled`` runs ``gauntlet api`` + one ``gauntlet worker`` on a private Redis and
PostgreSQL (needs their binaries). The receiver is a process of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actors.webhooks.catalog import wanted_types  # noqa: E402
from actors.webhooks.signing import signature_header  # noqa: E402
from bench.runs import NO_LIMIT, QUIET, Server  # noqa: E402
from tests.support.live_server import free_port  # noqa: E402
from tests.support.pets_target import PetsTarget  # noqa: E402
from tests.support.services import start_postgres, start_redis  # noqa: E402

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]

# A receiver that reads each request whole (Content-Length) and answers 204 at once;
# GET answers how many POSTs it got.
RECEIVER = """
import asyncio, sys
posts = 0
class Http(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\\r\\n\\r\\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15:].split(b"\\r\\n", 1)[0]) if at >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            global posts
            if head.startswith(b"get"):
                body = str(posts).encode()
                self.transport.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (len(body), body))
                continue
            posts += 1
            self.transport.write(b"HTTP/1.1 204 No Content\\r\\n\\r\\n")
async def main():
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""
# What a one-step run's life emits that a subscription may want.
RUN_EVENT_TYPES = frozenset({"job.queued", "job.started", "job.completed", "run.completed"})
# The most subscriptions an organization may have: each event fans out to all of them.
FANOUT = 100
HEALTH_STEP = {
    "name": "health",
    "request": {"method": "GET", "path": "/health"},
    "assertions": [{"type": "status_code", "expected": 200}],
}


def start_receiver() -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process, f"http://127.0.0.1:{port}/hook"


def _received(receiver_url: str) -> int:
    return int(httpx.get(receiver_url).text)


def _subscribe(server: Server, url: str) -> str:
    response = server.client.post("/webhooks", json={"url": url, "events": ["job.*"]})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def _raw_posts(url: str, count: int) -> float:
    body = b'{"id":"evt_x","type":"webhook.ping","created_at":0,"data":{}}'
    with httpx.Client() as client:
        started = time.perf_counter()
        for _ in range(count):
            headers = {
                "Content-Type": "application/json",
                "Gauntlet-Signature": signature_header(["whsec_x"], int(time.time()), body),
            }
            assert client.post(url, content=body, headers=headers).status_code == 204
        return count / (time.perf_counter() - started)


def bench_throughput(
    server: Server, receiver_url: str, target_url: str, deliveries: int, rounds: int
) -> None:
    app_id, _ = server.app_with_suite(target_url, [HEALTH_STEP])
    for _ in range(FANOUT):
        _subscribe(server, receiver_url)
    runs = max(1, deliveries // (3 * FANOUT))
    rates, raws = [], []
    for _ in range(rounds):
        raws.append(_raw_posts(receiver_url, runs * 3 * FANOUT))
        before = _received(receiver_url)
        started = time.perf_counter()
        for _ in range(runs):
            server.run(app_id)
        deadline = time.monotonic() + 600
        while _received(receiver_url) < before + runs * 3 * FANOUT:
            assert time.monotonic() < deadline, "deliveries did not arrive"
            time.sleep(0.02)
        rates.append(runs * 3 * FANOUT / (time.perf_counter() - started))
    print(
        f"(a) {runs} runs a round x 3 events x {FANOUT} subscriptions = {runs * 3 * FANOUT} "
        f"deliveries, {rounds} rounds"
    )
    for i, (rate, raw) in enumerate(zip(rates, raws, strict=True)):
        print(
            f"    round {i + 1}: delivered {rate:6.1f}/s | httpx POST loop {raw:7.1f}/s | "
            f"ratio {rate / raw:.3f}"
        )
    ratios = [r / b for r, b in zip(rates, raws, strict=True)]
    print(
        f"    median: {statistics.median(rates):.1f} deliveries/s, "
        f"ratio {statistics.median(ratios):.3f}"
    )


def _burst(server: Server, client: httpx.Client, app_id: str, jobs: int, done_before: int) -> float:
    started = time.perf_counter()
    for _ in range(jobs):
        response = client.post(f"/apps/{app_id}/test-suites/run", json={})
        assert response.status_code == 202, response.text
    deadline = time.monotonic() + 600
    while True:
        page = client.get(
            "/jobs", params={"app_id": app_id, "status": "COMPLETED", "limit": 1}
        ).json()
        if page["meta"]["pagination"]["total_count"] >= done_before + jobs:
            return jobs / (time.perf_counter() - started)
        assert time.monotonic() < deadline, "runs did not finish"
        time.sleep(0.02)


# Processes whose CPU time counts as the server's: `gauntlet serve`, or `gauntlet api`
# and its worker.
SERVER_PIDS: list[int] = []


def _cpu(server: Server) -> float:
    """CPU seconds the server's processes used so far (every thread)."""
    total = 0.0
    for pid in [server.process.pid, *SERVER_PIDS]:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


def _key(env: dict[str, str]) -> str:
    """An admin key of a second organization."""
    created = subprocess.run(
        [*GAUNTLET, "keys", "create", "--org", "bench-hooked", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def _drain(receiver_url: str, expected: int) -> None:
    deadline = time.monotonic() + 600
    while _received(receiver_url) < expected:
        assert time.monotonic() < deadline, "deliveries did not arrive"
        time.sleep(0.02)


def bench_cost(
    server: Server,
    env: dict[str, str],
    receiver_url: str,
    jobs: int,
    rounds: int,
    subs: int,
    events: list[str],
    steps: int,
) -> None:
    """Each round: a burst in the organization without webhooks, then one in the
    organization with them; before the next round the second burst's deliveries drain,
    so neither organization's burst competes with the other's deliveries."""
    per_job = len(wanted_types(events) & RUN_EVENT_TYPES) * subs
    target = PetsTarget().start()
    try:
        plain_app, _ = server.app_with_suite(target.url, [HEALTH_STEP] * steps)
        hooked_client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {_key(env)}"}, timeout=120
        )
        app = hooked_client.post("/apps", json={"name": "hooked", "endpoint": target.url})
        hooked_app = app.json()["data"]["id"]
        hooked_client.post(
            f"/apps/{hooked_app}/test-suites", json={"name": "b", "steps": [HEALTH_STEP] * steps}
        )
        for _ in range(subs):
            response = hooked_client.post("/webhooks", json={"url": receiver_url, "events": events})
            assert response.status_code == 201, response.text
        warm = 5
        before = _received(receiver_url)
        _burst(server, server.client, plain_app, warm, 0)
        _burst(server, hooked_client, hooked_app, warm, 0)
        _drain(receiver_url, before + warm * per_job)
        plain, hooked, drains = [], [], []
        plain_cpu, hooked_cpu = [], []
        for i in range(rounds):
            done = warm + i * jobs
            cpu = _cpu(server)
            plain.append(_burst(server, server.client, plain_app, jobs, done))
            plain_cpu.append((_cpu(server) - cpu) / jobs)
            before, cpu = _received(receiver_url), _cpu(server)
            hooked.append(_burst(server, hooked_client, hooked_app, jobs, done))
            ended = time.perf_counter()
            _drain(receiver_url, before + jobs * per_job)
            drains.append(time.perf_counter() - ended)
            hooked_cpu.append((_cpu(server) - cpu) / jobs)
        hooked_client.close()
    finally:
        target.stop()
    ratios = [h / p for h, p in zip(hooked, plain, strict=True)]
    print(
        f"(b) {jobs} runs of {steps} step(s) a burst, {rounds} rounds; {subs} subscriptions to "
        f"{', '.join(events)}: {per_job} deliveries per run"
    )
    rows = zip(plain, hooked, drains, plain_cpu, hooked_cpu, strict=True)
    for i, (p, h, d, pc, hc) in enumerate(rows):
        print(
            f"    round {i + 1}: no webhooks {p:6.1f} jobs/s | with {h:6.1f} jobs/s | {h / p:.3f}"
            f" | last delivery {d:.2f} s after the last job | server CPU per run "
            f"{pc * 1000:.1f} -> {hc * 1000:.1f} ms"
        )
    added = [h - p for h, p in zip(hooked_cpu, plain_cpu, strict=True)]
    print(
        f"    median ratio {statistics.median(ratios):.3f}; deliveries done "
        f"{statistics.median(drains):.2f} s (median) after the burst's last job; server CPU "
        f"per run {statistics.median(plain_cpu) * 1000:.1f} -> "
        f"{statistics.median(hooked_cpu) * 1000:.1f} ms (+{statistics.median(added) * 1000:.1f}"
        f" ms, {statistics.median(added) * 1000 / max(1, per_job):.2f} ms per delivery)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["a", "b"])
    parser.add_argument("--deliveries", type=int, default=600)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--subscriptions", type=int, default=3)
    parser.add_argument("--events", default="job.*", help="comma-separated patterns for (b)")
    parser.add_argument("--steps", type=int, default=1, help="steps of the runs' suite in (b)")
    parser.add_argument("--scaled", action="store_true")
    args = parser.parse_args()
    env = os.environ | QUIET | NO_LIMIT | {"GAUNTLET_DATA_DIR": tempfile.mkdtemp(prefix="gh-")}
    services = []
    if args.scaled:
        services = [start_redis(), start_postgres()]
        env |= {"GAUNTLET_REDIS_URL": services[0].url, "GAUNTLET_DATABASE_URL": services[1].url}
    receiver, receiver_url = start_receiver()
    server = Server(env, "api" if args.scaled else "serve")
    worker = subprocess.Popen([*GAUNTLET, "worker"], env=env) if args.scaled else None
    if worker is not None:
        SERVER_PIDS.append(worker.pid)
    try:
        mode = "scaled: gauntlet api + 1 worker" if args.scaled else "embedded gauntlet serve"
        print(f"{mode}; receiver: asyncio process answering 204")
        if args.only in (None, "b"):
            events = args.events.split(",")
            bench_cost(
                server,
                env,
                receiver_url,
                args.jobs,
                args.rounds,
                args.subscriptions,
                events,
                args.steps,
            )
        if args.only in (None, "a"):
            target = PetsTarget().start()
            try:
                bench_throughput(server, receiver_url, target.url, args.deliveries, args.rounds)
            finally:
                target.stop()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        server.stop()
        receiver.terminate()
        receiver.wait(timeout=10)
        for service in services:
            service.stop()


if __name__ == "__main__":
    main()
