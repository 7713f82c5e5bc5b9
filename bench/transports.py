"""The runner's HTTP client alone, per transport, against plain client loops (issue 16).

    .venv/bin/python bench/transports.py [--requests 2000] [--rounds 5] [--no-pin]

Sequential GETs of one URL (nginx serving a static JSON file when installed), in this
process: a plain httpx loop, a plain urllib3 loop, and ``TargetClient.send`` with each
runner transport (runner/_stdlib_transport.py, runner/_transport.py) — every guard on:
host policy, deadline, size cap, redirects, cookies, masking setup. Rounds alternate the
four; the medians of the rounds' ratios to the httpx loop are the figures. bench/runs.py
(a) measures the same transports inside Gauntlet runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._targets import static_target
from runner import OutgoingRequest, TargetClient


def _timed(requests: int, send: Callable[[], int]) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        assert send() == 200
    return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-pin", action="store_true", help="leave CPU placement alone")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pin = not args.no_pin and len(cpus) >= 2
    with static_target(cpus[-1] if pin else None) as (base_url, path, description):
        if pin:
            os.sched_setaffinity(0, {cpus[0]})
        url = base_url + path
        request = OutgoingRequest("GET", url)
        with (
            httpx.Client() as plain,
            urllib3.PoolManager() as pool,
            TargetClient(transport="stdlib") as stdlib,
            TargetClient(transport="httpcore") as httpcore,
        ):
            contenders: dict[str, Callable[[], int]] = {
                "httpx loop": lambda: plain.get(url).status_code,
                "urllib3 loop": lambda: pool.request("GET", url).status,
                "TargetClient[stdlib]": lambda: stdlib.send(request).status,
                "TargetClient[httpcore]": lambda: httpcore.send(request).status,
            }
            for send in contenders.values():
                _timed(200, send)  # warm-up
            rates: dict[str, list[float]] = {name: [] for name in contenders}
            for _ in range(args.rounds):
                for name, send in contenders.items():
                    rates[name].append(_timed(args.requests, send))
    placement = f"target on CPU {cpus[-1]}, this process on CPU {cpus[0]}" if pin else "not pinned"
    print(f"target: {description}; {args.requests} sequential GETs per round; {placement}")
    for i in range(args.rounds):
        print(
            f"    round {i + 1} req/s: " + " | ".join(f"{n} {r[i]:5.0f}" for n, r in rates.items())
        )
    base = rates["httpx loop"]
    print("    medians of the rounds' ratios to the httpx loop:")
    for name, values in rates.items():
        ratio = statistics.median(v / b for v, b in zip(values, base, strict=True))
        print(f"      {name:24s} {ratio:5.2f}")
    stdlib_over = statistics.median(
        s / h
        for s, h in zip(rates["TargetClient[stdlib]"], rates["TargetClient[httpcore]"], strict=True)
    )
    print(f"      TargetClient[stdlib] / TargetClient[httpcore]  {stdlib_over:5.2f}")


if __name__ == "__main__":
    main()
