"""The floor of the job pipeline's stack: FastAPI on uvicorn enqueueing a Dramatiq message
through Redis, a Dramatiq worker (Gauntlet's default shape: one process per core, 4
threads each) sending one GET to the target and recording the job's end in Redis, and a
client submitting then polling each job over HTTP, as bench/runs.py (b) does Gauntlet.
No database, no authentication, no events, no report: what any service built on these
parts pays per job before doing its own work.

With a PostgreSQL URL it is the floor of a *durable* job service instead: the same, plus
the least that a job kept in PostgreSQL with an event log needs, written as raw psycopg
statements on one connection per thread (no ORM, no pool, no validation): a hashed bearer
key checked against a keys table (cached per process for 2 s, as Gauntlet's API does), the
job row and its ``job.queued`` event inserted in one transaction, the claim as one
``UPDATE … RETURNING``, the end as one transaction (three events in one INSERT, the job's
status and result), and a poll as one ``SELECT``. Six statements per job plus the polls:
fewer than any real service would send, so the ratio it reaches bounds what one can."""

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
url, ns, target_port, pg_url = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
broker = RedisBroker(url=url, namespace=ns)
dramatiq.set_broker(broker)
store = redis.Redis.from_url(url)
def get_health():
    connection = http.client.HTTPConnection("127.0.0.1", target_port, timeout=10)
    connection.request("GET", "/health")
    status = connection.getresponse().status
    connection.close()
    return "COMPLETED" if status == 200 else "FAILED"
"""

IN_REDIS = """
@dramatiq.actor(queue_name="jobs", max_retries=0)
def job(job_id):
    store.set(ns + ":" + job_id, get_health())
"""

IN_POSTGRES = """
import hashlib, json, threading, time, psycopg
local = threading.local()
def db():
    connection = getattr(local, "connection", None)
    if connection is None:
        connection = local.connection = psycopg.connect(pg_url, autocommit=True)
    return connection
@dramatiq.actor(queue_name="jobs", max_retries=0)
def job(job_id):
    connection, key = db(), uuid.UUID(job_id)
    claimed = connection.execute(
        f"UPDATE {ns}_jobs SET status = 'RUNNING', started_at = now()"
        " WHERE id = %s AND status = 'QUEUED' RETURNING org", (key,)
    ).fetchone()
    if claimed is None:
        return
    status = get_health()
    body = json.dumps({"job_id": job_id, "status": status})
    with connection.transaction():
        connection.execute(
            f"INSERT INTO {ns}_events (job_id, kind, body) VALUES"
            " (%s, 'job.started', %s), (%s, 'step.finished', %s), (%s, 'job.finished', %s)",
            (key, body, key, body, key, body),
        )
        connection.execute(
            f"UPDATE {ns}_jobs SET status = %s, result = %s, finished_at = now() WHERE id = %s",
            (status, body, key),
        )
"""

API = """
import uvicorn
from fastapi import FastAPI, Header, HTTPException
app = FastAPI()
if pg_url == "-":
    @app.post("/jobs", status_code=202)
    def submit():
        job_id = uuid.uuid4().hex
        store.set(ns + ":" + job_id, "QUEUED")
        job.send(job_id)
        return {"job_id": job_id}
    @app.get("/jobs/{job_id}")
    def read(job_id: str):
        return {"job_status": (store.get(ns + ":" + job_id) or b"").decode()}
else:
    principals = {}
    def principal(authorization):
        digest = hashlib.sha256(authorization.removeprefix("Bearer ").encode()).hexdigest()
        cached = principals.get(digest)
        if cached is not None and time.monotonic() - cached[0] < 2:
            return cached[1]
        row = db().execute(
            f"SELECT org FROM {ns}_keys WHERE hash = %s"
            " AND (expires_at IS NULL OR expires_at > now())", (digest,)
        ).fetchone()
        if row is None:
            raise HTTPException(401)
        principals[digest] = (time.monotonic(), row[0])
        return row[0]
    @app.post("/jobs", status_code=202)
    def submit(authorization: str = Header()):
        org, key, connection = principal(authorization), uuid.uuid4(), db()
        with connection.transaction():
            connection.execute(
                f"INSERT INTO {ns}_jobs (id, org, status) VALUES (%s, %s, 'QUEUED')", (key, org)
            )
            connection.execute(
                f"INSERT INTO {ns}_events (job_id, kind, body) VALUES (%s, 'job.queued', '{{}}')",
                (key,),
            )
        job.send(str(key))
        return {"job_id": str(key)}
    @app.get("/jobs/{job_id}")
    def read(job_id: uuid.UUID, authorization: str = Header()):
        row = db().execute(
            f"SELECT status FROM {ns}_jobs WHERE id = %s AND org = %s",
            (job_id, principal(authorization)),
        ).fetchone()
        if row is None:
            raise HTTPException(404)
        return {"job_status": row[0]}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[5]), log_level="warning")
"""

WORKER = """
worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=100)
worker.start()
sys.stdin.read()
worker.stop()
"""

SCHEMA = """
CREATE TABLE {ns}_keys (hash text PRIMARY KEY, org text NOT NULL, expires_at timestamptz);
CREATE TABLE {ns}_jobs (
    id uuid PRIMARY KEY, org text NOT NULL, status text NOT NULL, result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz,
    finished_at timestamptz
);
CREATE TABLE {ns}_events (
    id bigserial PRIMARY KEY, job_id uuid NOT NULL, kind text NOT NULL, body jsonb NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON {ns}_events (job_id, id);
"""


def skeleton_jobs_per_second(
    redis_url: str, target_port: int, jobs: int, postgres_url: str | None = None
) -> float:
    """Jobs per second of the skeleton, submit -> every job polled COMPLETED; with
    ``postgres_url``, of the durable skeleton (jobs, events and keys in PostgreSQL)."""
    ns = f"floor{secrets.token_hex(3)}"
    port = free_port()
    headers = {}
    pg_url = "-"
    if postgres_url is not None:
        pg_url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
        headers = {"Authorization": f"Bearer {_durable_schema(pg_url, ns)}"}
    actor = IN_REDIS if postgres_url is None else IN_POSTGRES
    args = [redis_url, ns, str(target_port), pg_url]
    api = subprocess.Popen([sys.executable, "-c", COMMON + actor + API, *args, str(port)])
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", COMMON + actor + WORKER, *args], stdin=subprocess.PIPE
        )
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30
        ) as client:
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


def _durable_schema(pg_url: str, ns: str) -> str:
    """The durable skeleton's tables and one key; returns the raw key."""
    import hashlib

    import psycopg

    key = secrets.token_urlsafe(32)
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(SCHEMA.format(ns=ns))
        connection.execute(
            f"INSERT INTO {ns}_keys (hash, org) VALUES (%s, 'bench')",
            (hashlib.sha256(key.encode()).hexdigest(),),
        )
    return key


def _wait_up(client: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get("/healthz")
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
