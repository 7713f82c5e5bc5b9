"""How much does Gauntlet's load generator cost over bare Locust, and both over wrk?

    .venv/bin/python bench/load.py [--users 10] [--seconds 10] [--rounds 2]

One target for everything (nginx serving a static JSON file on a loopback port, from a
config generated in a temp dir; a small asyncio server when nginx is not installed), then,
in turns and for each round:

- ``wrk`` with as many connections as users: the machine's ceiling;
- bare ``locust --headless`` with a FastHttpUser that GETs the file in a loop;
- a Gauntlet load test (LoadDriver → driver process) of a one-step suite doing the same,
  with no assertion (the same work as bare Locust) and with two assertions (status code
  and a JSON path: what judging costs).

Prints requests per second (median of the rounds) and the ratios.
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
from loadgen.config import LoadConfig
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
    with tempfile.TemporaryDirectory(prefix="gauntlet-bench-locust-") as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(LOCUSTFILE.format(path=PATH))
        prefix = Path(tmp) / "out"
        command = [
            sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url,
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        subprocess.run(command, capture_output=True, check=True)
        with open(f"{prefix}_stats.csv", newline="") as f:
            rows = {row["Name"]: row for row in csv.DictReader(f)}
        return float(rows["Aggregated"]["Requests/s"])


def run_gauntlet(url: str, users: int, seconds: int, judged: bool) -> tuple[float, float]:
    """(requests per second, error rate) of a Gauntlet load test of GET /pet.json."""
    step: dict[str, object] = {"name": "get pet", "request": {"method": "GET", "path": PATH}}
    if judged:
        step["assertions"] = [
            {"type": "status_code", "expected": 200},
            {"type": "json_path", "path": "$.name", "op": "eq", "expected": "rex"},
        ]
    config = LoadConfig(
        base_url=url,
        suites=[{"name": "bench", "steps": [step]}],
        virtual_users=users,
        duration_secs=seconds,
        profile="constant",
        spawn_rate=users,
    )
    with LoadDriver(config) as driver:
        for _ in driver.lines():
            pass
        report = driver.wait(timeout=seconds + 60)
    return report.totals.rps, report.totals.error_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--wrk-threads", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    results: dict[str, list[float]] = {"wrk": [], "locust": [], "gauntlet": [], "judged": []}
    with static_target() as (url, _path, description):
        print(f"target: {description} at {url}{PATH}; {os.cpu_count()} CPUs")
        print(f"{args.users} users (wrk: {args.users} connections), {args.seconds} s per run")
        for round_no in range(1, args.rounds + 1):
            results["wrk"].append(run_wrk(url, args.users, args.seconds, args.wrk_threads))
            results["locust"].append(run_locust(url, args.users, args.seconds))
            rps, errors = run_gauntlet(url, args.users, args.seconds, judged=False)
            results["gauntlet"].append(rps)
            judged_rps, judged_errors = run_gauntlet(url, args.users, args.seconds, judged=True)
            results["judged"].append(judged_rps)
            if errors or judged_errors:
                print(f"warning: error rates {errors:.3f} / {judged_errors:.3f}", file=sys.stderr)
            print(
                f"round {round_no}: "
                + ", ".join(f"{name} {runs[-1]:,.0f}" for name, runs in results.items())
            )

    load = os.getloadavg()[0]
    print(f"\nload average after the runs: {load:.2f} on {os.cpu_count()} CPUs")
    labels = {
        "wrk": "wrk (ceiling)",
        "locust": "bare locust --headless",
        "gauntlet": "gauntlet, no assertion",
        "judged": "gauntlet, status + json_path",
    }
    # Median and best: on a shared machine other work only ever slows a run down, so the
    # best of the rounds is the cleaner figure; the median shows how noisy it was.
    median = {name: statistics.median(runs) for name, runs in results.items()}
    best = {name: max(runs) for name, runs in results.items()}
    print(f"requests/s over {args.rounds} rounds      median        best")
    for name, label in labels.items():
        print(f"  {label:<32}{median[name]:>10,.0f}  {best[name]:>10,.0f}")
    print("ratios                              median        best")
    pairs = [("gauntlet", "locust"), ("judged", "locust"), ("locust", "wrk"), ("gauntlet", "wrk")]
    for top, bottom in pairs:
        label = f"{top} / {bottom}"
        print(
            f"  {label:<32}{median[top] / median[bottom]:>10.3f}  {best[top] / best[bottom]:>10.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
