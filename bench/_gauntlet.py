"""A Gauntlet server (``gauntlet serve``, embedded, in a temporary data directory) driven
through its public API, as a user or a CI script would: apps, generate jobs, run jobs,
suites and reports."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
# The benchmark polls jobs and reads many pages: the API's own limits are not measured.
ENV = {
    "GAUNTLET_LOG_LEVEL": "WARNING",
    "GAUNTLET_LOG_FORMAT": "json",
    "GAUNTLET_RATE_LIMIT_PER_MINUTE": "1000000000",
    "GAUNTLET_RATE_LIMIT_BURST": "1000000000",
}
TERMINAL = ("COMPLETED", "FAILED", "STOPPED", "CANCELLED")


class Gauntlet:
    """One embedded server for the whole benchmark; stop it with :meth:`stop`."""

    def __init__(self, port: int) -> None:
        self.data_dir = tempfile.mkdtemp(prefix="gauntlet-bench-")
        self.env = {**os.environ, **ENV, "GAUNTLET_DATA_DIR": self.data_dir}
        created = subprocess.run(
            [*GAUNTLET, "keys", "create", "--org", "bench", "--name", "quality"],
            env=self.env, capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        key = created.stdout.strip().splitlines()[-1]
        self.log = Path(self.data_dir) / "serve.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*GAUNTLET, "serve", "--port", str(port)],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        root = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{root}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"gauntlet serve did not start (log: {self.log})") from None
                time.sleep(0.1)
        self.http = httpx.Client(
            base_url=f"{root}/client/v1", headers={"Authorization": f"Bearer {key}"}, timeout=300
        )

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=30)

    def _data(self, response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise RuntimeError(f"{response.request.method} {response.url}: {response.text[:300]}")
        return response.json()["data"]

    def create_app(self, document: str, endpoint: str, auth: dict[str, Any] | None) -> str:
        body: dict[str, Any] = {"name": f"bench-{secrets.token_hex(4)}", "endpoint": endpoint}
        body["schema"] = document
        if auth:
            body["auth"] = auth
        return str(self._data(self.http.post("/apps", json=body))["id"])

    def wait(self, job_id: str) -> dict[str, Any]:
        """The job once terminal (polled every 50 ms)."""
        while True:
            job = self._data(self.http.get(f"/jobs/{job_id}"))
            if job["job_status"] in TERMINAL:
                return dict(job)
            time.sleep(0.05)

    def generate(self, app_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """Submit a generation and wait for it: (job, seconds from submit to the end)."""
        started = time.perf_counter()
        job = self._data(self.http.post(f"/apps/{app_id}/test-suites/generate", json=body))
        done = self.wait(job["job_id"])
        return done, time.perf_counter() - started

    def history(self, app_id: str, job_id: str) -> dict[str, Any]:
        return dict(self._data(self.http.get(f"/apps/{app_id}/generation-history/{job_id}")))

    def suites(self, app_id: str) -> list[dict[str, Any]]:
        """Every suite of the app, in full."""
        out: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"page_size": 100, **({"after": after} if after else {})}
            page = self.http.get(f"/apps/{app_id}/test-suites", params=params).json()
            for summary in page["data"]:
                out.append(self._data(self.http.get(f"/apps/{app_id}/test-suites/{summary['id']}")))
            after = page["meta"]["pagination"]["next_cursor"]
            if not after:
                return out

    def run(self, app_id: str, base_url: str) -> list[dict[str, Any]]:
        """Run every suite of the app against ``base_url``; the suite reports in full."""
        body = {"base_url": base_url}
        response = self.http.post(f"/apps/{app_id}/test-suites/run", json=body)
        if response.status_code == 400 and "no test suites" in response.text:
            return []  # generation kept nothing
        job = self._data(response)
        done = self.wait(job["job_id"])
        run_id = (done.get("result") or {}).get("test_run_id")
        if not run_id:
            return []
        reports: list[dict[str, Any]] = []
        after: str | None = None
        base = f"/apps/{app_id}/test-runs/{run_id}/suite-reports"
        while True:
            params: dict[str, Any] = {"page_size": 100, **({"after": after} if after else {})}
            page = self.http.get(base, params=params).json()
            for summary in page["data"]:
                reports.append(self._data(self.http.get(f"{base}/{summary['id']}")))
            after = page["meta"]["pagination"]["next_cursor"]
            if not after:
                return reports
