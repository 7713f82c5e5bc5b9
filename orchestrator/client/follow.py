"""Following a job to its end through its NDJSON event stream.

The stream is resumed after the last ``seq`` seen when the connection drops (a proxy
timeout, a server restart), so every event is handed over once, in order. The job row
decides when it is over: a stream that ends before the terminal state is opened again.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from core.jobs import TERMINAL
from orchestrator.client.errors import ClientError, Exit
from orchestrator.client.http import STREAM_READ_TIMEOUT_S, Api, RetryLater

# Dropped connections tolerated in a row before giving up, and the pause between tries.
MAX_RECONNECTS = 8
RECONNECT_PAUSE_S = 0.5

Event = dict[str, Any]


class JobTimedOut(Exception):
    """The job did not end before the deadline."""


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def follow(
    api: Api,
    job_id: str,
    on_event: Callable[[Event], None],
    deadline: float | None = None,
    after: int = 0,
) -> dict[str, Any]:
    """Hand each event of the job after seq ``after`` to ``on_event`` until the job is
    terminal; the job as it ended. Raises JobTimedOut at ``deadline``
    (``time.monotonic()``), ClientError when the server cannot be reached any more."""
    dropped = 0
    while True:
        remaining = _remaining(deadline)
        if remaining is not None and remaining <= 0:
            raise JobTimedOut(job_id)
        read_timeout = STREAM_READ_TIMEOUT_S
        if remaining is not None:
            read_timeout = min(read_timeout, remaining + 0.2)
        try:
            with api.stream_lines(
                f"/jobs/{job_id}/events", {"after": after}, read_timeout
            ) as lines:
                for line in lines:
                    if line.strip():
                        event = json.loads(line)
                        seq = event.get("seq")
                        if isinstance(seq, int) and seq > after:
                            after = seq
                            on_event(event)
                    remaining = _remaining(deadline)
                    if remaining is not None and remaining <= 0:
                        raise JobTimedOut(job_id)
            dropped = 0
        except httpx.TimeoutException:
            continue  # the deadline check above decides
        except (httpx.TransportError, ValueError, RetryLater) as exc:
            dropped += 1
            if dropped > MAX_RECONNECTS:
                raise ClientError(
                    f"lost the event stream of job {job_id} ({type(exc).__name__}); "
                    f"follow it with: gauntlet jobs events {job_id}"
                ) from None
            time.sleep(exc.seconds if isinstance(exc, RetryLater) else RECONNECT_PAUSE_S)
            continue
        job: dict[str, Any] = api.data("GET", f"/jobs/{job_id}")
        if job["job_status"] in TERMINAL:
            return job
        time.sleep(RECONNECT_PAUSE_S)


def exit_for(job: dict[str, Any]) -> Exit:
    """How a finished job ends a command: COMPLETED 0; FAILED 1 when it has a result
    (tests failed, thresholds crossed, nothing generated), 2 when it errored before one;
    STOPPED or CANCELLED 3."""
    status = job["job_status"]
    if status == "COMPLETED":
        return Exit.PASSED
    if status in ("STOPPED", "CANCELLED"):
        return Exit.STOPPED
    return Exit.FAILED if job.get("result") else Exit.USAGE


def stop_quietly(api: Api, job_id: str) -> None:
    """Ask the server to stop the job; a job that already ended is fine."""
    with contextlib.suppress(ClientError):
        api.request("POST", f"/jobs/{job_id}/stop", ok=(200, 409))
