"""Peers for bench/runs.py (a): the same suite as a StepCI workflow and as a Postman
collection run by Newman, both from npm, installed once into the cache Prism uses
(``GAUNTLET_NPM_CACHE``, default ``~/.cache/gauntlet/npm``; tests/support/prism.py).

The suite is N sequential GETs of one URL, each asserting status 200. StepCI: one test of
N steps with ``check: {status: 200}``. Newman: one collection of N requests, each with a
test script asserting the status (``-n 1``: one iteration over N items, as a suite of N
steps is run; N iterations of one item would add an iteration's setup to every request).

Each run is timed twice: the process's wall time (node's start and the tool's own loading
included, what a CI job waits for) and the run as the tool reports it (StepCI's
``Time:``, Newman's ``run.timings`` from its JSON reporter), which leaves the start out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.prism import npm_cache, npm_install
from tests.support.services import MissingServer

STEPCI_PACKAGE = "stepci@2.8.2"
NEWMAN_PACKAGE = "newman@6.2.2"
# StepCI sends anonymous usage data unless told not to.
PEER_ENV = {"STEPCI_DISABLE_ANALYTICS": "1", "NO_COLOR": "1"}
RUN_TIMEOUT_S = 900


@dataclass(frozen=True)
class PeerRun:
    wall_s: float  # process start -> exit
    run_s: float  # the tool's own figure for the run (its start left out)


class Peers:
    """StepCI and Newman, installed; ``None`` from :meth:`install` with a reason when
    node/npm is missing or npm cannot install them."""

    def __init__(self, bin_dir: Path) -> None:
        self.stepci = bin_dir / "stepci"
        self.newman = bin_dir / "newman"
        self.workdir = Path(tempfile.mkdtemp(prefix="gauntlet-bench-peers-"))

    @classmethod
    def install(cls) -> tuple[Peers | None, str]:
        bin_dir = npm_cache() / "node_modules" / ".bin"
        if shutil.which("node") is None or shutil.which("npm") is None:
            return None, "node/npm not found (Debian: apt-get install nodejs npm)"
        if not ((bin_dir / "stepci").exists() and (bin_dir / "newman").exists()):
            try:
                npm_install([STEPCI_PACKAGE, NEWMAN_PACKAGE])
            except MissingServer as exc:
                return None, str(exc)
        return cls(bin_dir), f"{STEPCI_PACKAGE}, {NEWMAN_PACKAGE}, node {_node_version()}"

    def write_suite(self, url: str, steps: int) -> None:
        step = {"name": "get", "http": {"url": url, "method": "GET", "check": {"status": 200}}}
        workflow = {
            "version": "1.1",
            "name": "bench",
            "tests": {"bench": {"steps": [step] * steps}},
        }
        (self.workdir / "workflow.json").write_text(json.dumps(workflow))
        test = "pm.test('status', function () { pm.response.to.have.status(200); });"
        item = {
            "name": "get",
            "request": {"method": "GET", "url": url},
            "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [test]}}],
        }
        collection = {
            "info": {
                "name": "bench",
                "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
            },
            "item": [item] * steps,
        }
        (self.workdir / "collection.json").write_text(json.dumps(collection))
        self.steps = steps

    def run_stepci(self) -> PeerRun:
        started = time.perf_counter()
        done = self._run([str(self.stepci), "run", str(self.workdir / "workflow.json")])
        wall = time.perf_counter() - started
        passed = re.search(r"Steps:\s+0 failed, 0 skipped, (\d+) passed", done.stdout)
        took = re.search(r"Time:\s+([\d.]+)s", done.stdout)
        if not passed or int(passed.group(1)) != self.steps or not took:
            raise RuntimeError(f"StepCI did not pass every step:\n{done.stdout[-2000:]}")
        return PeerRun(wall, float(took.group(1)))

    def run_newman(self) -> PeerRun:
        report = self.workdir / "newman.json"
        command = [str(self.newman), "run", str(self.workdir / "collection.json"), "-n", "1"]
        command += ["--silent", "-r", "json", "--reporter-json-export", str(report)]
        started = time.perf_counter()
        self._run(command)
        wall = time.perf_counter() - started
        run = json.loads(report.read_text())["run"]
        requests, assertions = run["stats"]["requests"], run["stats"]["assertions"]
        if (requests["total"], requests["failed"], assertions["failed"]) != (self.steps, 0, 0):
            raise RuntimeError(f"Newman did not pass every request: {run['stats']}")
        timings = run["timings"]
        return PeerRun(wall, (timings["completed"] - timings["started"]) / 1000)

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=os.environ | PEER_ENV,
            stdin=subprocess.DEVNULL,
            timeout=RUN_TIMEOUT_S,
            cwd=self.workdir,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} exited with {done.returncode}:\n"
                f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
            )
        return done


def _node_version() -> str:
    done = subprocess.run(["node", "--version"], capture_output=True, text=True)
    return done.stdout.strip()
