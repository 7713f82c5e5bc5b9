"""One actor per job kind, declared on a given broker with its own limits.

Actors are declared per broker (not at import time on a global one) so that a process
can hold several independent deployments, as the tests do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq

from actors.broker import ACTOR_NAMES, QUEUE
from actors.context import WorkerContext
from actors.engine import INFRASTRUCTURE_ERRORS, Handler, execute
from actors.jobs.generate import generate_job
from actors.jobs.load_test import load_test_job
from actors.jobs.normalize import normalize_job
from actors.jobs.run import run_job, validate_job

# Dramatiq's own defaults (20 retries, backoff up to days, 10-minute limit) do not fit
# jobs: retry only infrastructure faults, a few times, and give each kind its own limit.
MAX_INFRA_RETRIES = 5
TIME_LIMITS_S = {
    "RUN": 6 * 3600,
    "VALIDATE": 3600,
    "GENERATE": 3600,
    "NORMALIZE": 3600,
    "LOAD_TEST": 3600,
}
HANDLERS: dict[str, Handler] = {
    "RUN": run_job,
    "VALIDATE": validate_job,
    "LOAD_TEST": load_test_job,
    "GENERATE": generate_job,
    "NORMALIZE": normalize_job,
}


def _retry_when(retries: int, exc: BaseException) -> bool:
    return retries < MAX_INFRA_RETRIES and isinstance(exc, INFRASTRUCTURE_ERRORS)


def declare_actors(broker: dramatiq.Broker, ctx: WorkerContext) -> dict[str, Any]:
    """Declare the actor of every kind that has a handler on ``broker``."""
    actors = {}
    for kind, handler in HANDLERS.items():
        decorate = dramatiq.actor(
            broker=broker,
            actor_name=ACTOR_NAMES[kind],
            queue_name=QUEUE,
            retry_when=_retry_when,
            min_backoff=1_000,
            max_backoff=30_000,
            time_limit=TIME_LIMITS_S[kind] * 1000,
            max_age=None,
        )
        actors[kind] = decorate(_bind(ctx, handler))
    return actors


def _bind(ctx: WorkerContext, handler: Handler) -> Callable[[str], None]:
    def process(job_id: str) -> None:
        execute(ctx, job_id, handler)

    process.__name__ = handler.__name__
    return process
