"""Gauntlet's load generator against Locust on every core, on the same target and machine.

    .venv/bin/python bench/load.py [--users 32] [--seconds 10] [--rounds 5] [--wrk]

One target for everything (nginx serving a static JSON file on a loopback port, from a
config generated in a temp dir; a small asyncio server when nginx is not installed), then,
in turns within each round (so that the machine's noise spreads over all of them):

- ``locust --headless --processes -1`` with a FastHttpUser that GETs the file in a loop:
  the baseline, Locust's own master and one worker per CPU;
- a Gauntlet load test (LoadDriver → driver process) of a one-step suite doing the same,
  with the defaults a load test gets from the API (one local Locust worker per core):
  with no assertion (the same work as bare Locust), with a status assertion, and with a
  status and a JSON-path assertion (what judging a body costs);
- with ``--wrk``, ``wrk`` with as many connections as users: the machine's ceiling.

Prints requests per second (median and best of the rounds) and the ratios to Locust.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._targets import PATH, static_target
from loadgen.config import LoadConfig, cores
from loadgen.process import LoadDriver


def run_wrk(url: str, users: int, seconds: int, threads: int) -> float:
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{users}", f"-d{seconds}s", url + PATH],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{done.stdout}")
    return float(match.group(1))


LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Bare(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get({path!r})
"""


def run_locust(url: str, users: int, seconds: int) -> float:
    """Requests per second of ``locust --headless --processes -1`` (master + one worker
    per CPU) GETting the file."""
    with tempfile.TemporaryDirectory(prefix="gauntlet-bench-locust-") as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(LOCUSTFILE.format(path=PATH))
        prefix = Path(tmp) / "out"
        command = [
            sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
            "--processes", "-1",
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url,
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        subprocess.run(command, capture_output=True, check=True)
        with open(f"{prefix}_stats.csv", newline="") as f:
            rows = {row["Name"]: row for row in csv.DictReader(f)}
        return float(rows["Aggregated"]["Requests/s"])


ASSERTIONS: dict[str, list[dict[str, object]]] = {
    "gauntlet": [],
    "status": [{"type": "status_code", "expected": 200}],
    "judged": [
        {"type": "status_code", "expected": 200},
        {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
    ],
}


def run_gauntlet(url: str, users: int, seconds: int, variant: str) -> tuple[float, float]:
    """(requests per second, error rate) of a Gauntlet load test of GET /pet.json with the
    assertions of ``variant``, and the workers a load test gets by default."""
    step: dict[str, object] = {"name": "get pet", "request": {"method": "GET", "path": PATH}}
    if ASSERTIONS[variant]:
        step["assertions"] = ASSERTIONS[variant]
    config = LoadConfig(
        base_url=url,
        suites=[{"name": "bench", "steps": [step]}],
        virtual_users=users,
        duration_secs=seconds,
        profile="constant",
        spawn_rate=users,
        # What actors/jobs/load_test.py picks when neither the test nor
        # GAUNTLET_LOAD_WORKERS says: one local worker per core, never more than users.
        workers=min(cores(), users),
    )
    with LoadDriver(config) as driver:
        for _ in driver.lines():
            pass
        report = driver.wait(timeout=seconds + 60)
    return report.totals.rps, report.totals.error_rate


LABELS = {
    "locust": "locust --headless --processes -1",
    "gauntlet": "gauntlet, no assertion",
    "status": "gauntlet, status assertion",
    "judged": "gauntlet, status + json_path",
    "wrk": "wrk (ceiling)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wrk", action="store_true", help="also measure wrk (the ceiling)")
    parser.add_argument("--wrk-threads", type=int, default=1)
    args = parser.parse_args()
    if args.wrk and not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    names = ["locust", "gauntlet", "status", "judged"] + (["wrk"] if args.wrk else [])
    results: dict[str, list[float]] = {name: [] for name in names}
    with static_target() as (url, _path, description):
        print(f"target: {description} at {url}{PATH}; {os.cpu_count()} CPUs")
        print(f"{args.users} users, {args.seconds} s per run, {args.rounds} rounds")
        for round_no in range(1, args.rounds + 1):
            # Alternate the order each round: no variant always runs first or last.
            order = names if round_no % 2 else list(reversed(names))
            for name in order:
                if name == "locust":
                    results[name].append(run_locust(url, args.users, args.seconds))
                elif name == "wrk":
                    results[name].append(run_wrk(url, args.users, args.seconds, args.wrk_threads))
                else:
                    rps, errors = run_gauntlet(url, args.users, args.seconds, name)
                    if errors:
                        print(f"warning: {name} error rate {errors:.3f}", file=sys.stderr)
                    results[name].append(rps)
            print(
                f"round {round_no}: "
                + ", ".join(f"{name} {results[name][-1]:,.0f}" for name in names),
                flush=True,
            )

    load = os.getloadavg()
    print(f"\nload average after the runs: {load[0]:.2f} / {load[1]:.2f} on {os.cpu_count()} CPUs")
    # Median and best: on a shared machine other work only ever slows a run down, so the
    # best of the rounds is the cleaner figure; the median shows how noisy it was.
    median = {name: statistics.median(runs) for name, runs in results.items()}
    best = {name: max(runs) for name, runs in results.items()}
    print(f"requests/s over {args.rounds} rounds            median        best")
    for name in names:
        print(f"  {LABELS[name]:<38}{median[name]:>10,.0f}  {best[name]:>10,.0f}")
    print("ratios to locust --processes -1         median        best")
    for name in names[1:]:
        label = f"{name} / locust"
        ratio, best_ratio = median[name] / median["locust"], best[name] / best["locust"]
        print(f"  {label:<38}{ratio:>10.3f}  {best_ratio:>10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
