"""The floor of the job pipeline's stack: FastAPI on uvicorn enqueueing a Dramatiq message
through Redis, a Dramatiq worker (Gauntlet's default shape: one process per core, 4
threads each) sending one GET to the target and recording the job's end in Redis, and a
client submitting then polling each job over HTTP, as bench/runs.py (b) does Gauntlet.
No database, no authentication, no events, no report: what any service built on these
parts pays per job before doing its own work."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import httpx

from tests.support.live_server import free_port

COMMON = """
import http.client, os, sys, uuid, dramatiq, redis
from dramatiq.brokers.redis import RedisBroker
url, ns, target_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
broker = RedisBroker(url=url, namespace=ns)
dramatiq.set_broker(broker)
store = redis.Redis.from_url(url)
@dramatiq.actor(queue_name="jobs", max_retries=0)
def job(job_id):
    connection = http.client.HTTPConnection("127.0.0.1", target_port, timeout=10)
    connection.request("GET", "/health")
    status = connection.getresponse().status
    connection.close()
    store.set(ns + ":" + job_id, "COMPLETED" if status == 200 else "FAILED")
"""

API = (
    COMMON
    + """
import uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.post("/jobs", status_code=202)
def submit():
    job_id = uuid.uuid4().hex
    store.set(ns + ":" + job_id, "QUEUED")
    job.send(job_id)
    return {"job_id": job_id}
@app.get("/jobs/{job_id}")
def read(job_id: str):
    return {"job_status": (store.get(ns + ":" + job_id) or b"").decode()}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[4]), log_level="warning")
"""
)

WORKER = (
    COMMON
    + """
worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=100)
worker.start()
sys.stdin.read()
worker.stop()
"""
)


def skeleton_jobs_per_second(redis_url: str, target_port: int, jobs: int) -> float:
    """Jobs per second of the skeleton, submit -> every job polled COMPLETED."""
    ns = f"floor{secrets.token_hex(3)}"
    port = free_port()
    args = [redis_url, ns, str(target_port)]
    api = subprocess.Popen([sys.executable, "-c", API, *args, str(port)])
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, *args], stdin=subprocess.PIPE)
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait_up(client)
            _wait_done(client, client.post("/jobs").json()["job_id"])  # the workers are up
            started = time.perf_counter()
            ids = [client.post("/jobs").json()["job_id"] for _ in range(jobs)]
            for job_id in ids:
                _wait_done(client, job_id)
            return jobs / (time.perf_counter() - started)
    finally:
        for worker in workers:
            worker.communicate(b"", timeout=30)
        api.terminate()
        api.wait(timeout=10)


def _wait_up(client: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get("/jobs/none")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the skeleton's API did not start"
            time.sleep(0.1)


def _wait_done(client: httpx.Client, job_id: str) -> None:
    while True:
        status = client.get(f"/jobs/{job_id}").json()["job_status"]
        if status not in ("QUEUED", "RUNNING"):
            assert status == "COMPLETED", status
            return
        time.sleep(0.01)
