"""Jobs over the API, as the end-to-end tests drive them: submit (202), wait until the
job is terminal, read its event stream, and the generate and run calls they repeat."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from core.jobs import TERMINAL


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll with a deadline until the job is terminal; the job."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text  # e.g. a 429 from the limiter
        job = response.json()["data"]
        if job["job_status"] in TERMINAL:
            return job
        assert time.monotonic() < deadline, f"job still {job['job_status']}"
        time.sleep(0.05)


def read_events(client: httpx.Client, job_id: str, **params: Any) -> list[dict[str, Any]]:
    """The job's NDJSON event stream, read to its end."""
    with client.stream("GET", f"/jobs/{job_id}/events", params=params, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.iter_lines() if line]


def submit(
    http: httpx.Client, path: str, body: dict[str, Any] | None = None, *, timeout: float = 30
) -> dict[str, Any]:
    """POST ``path`` (with ``body`` as JSON, or no body at all), expect 202 and wait for
    the job it started; the finished job."""
    response = http.post(path, json=body) if body is not None else http.post(path)
    assert response.status_code == 202, response.text
    return wait_for_job(http, response.json()["data"]["job_id"], timeout=timeout)


def run_suites(
    http: httpx.Client, app_id: str, *, timeout: float = 30, **body: Any
) -> dict[str, Any]:
    """Run every suite of the app (``body``: e.g. ``base_url``); the finished job."""
    return submit(http, f"/apps/{app_id}/test-suites/run", body, timeout=timeout)


def generate(http: httpx.Client, app_id: str, **body: Any) -> dict[str, Any]:
    """Submit a generation and wait for it to end; the job."""
    return submit(http, f"/apps/{app_id}/test-suites/generate", body, timeout=60)


def suites_of(http: httpx.Client, app_id: str) -> list[dict[str, Any]]:
    """Every suite of the app, in full."""
    listed = http.get(f"/apps/{app_id}/test-suites", params={"page_size": 100}).json()["data"]
    return [http.get(f"/apps/{app_id}/test-suites/{s['id']}").json()["data"] for s in listed]
