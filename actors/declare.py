"""One actor per job kind, declared on a given broker with its own limits.

Actors are declared per broker (not at import time on a global one) so that a process
can hold several independent deployments, as the tests do. Which handler serves a kind,
its actor name and its time limit come from ``core.jobs.KINDS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

import dramatiq

from actors.broker import QUEUE
from actors.context import WorkerContext
from actors.engine import INFRASTRUCTURE_ERRORS, Handler, execute
from core.jobs import KINDS, JobKind, KindSpec

# Dramatiq's own defaults (20 retries, backoff up to days, 10-minute limit) do not fit
# jobs: retry only infrastructure faults, a few times, and give each kind its own limit.
MAX_INFRA_RETRIES = 5


def _retry_when(retries: int, exc: BaseException) -> bool:
    return retries < MAX_INFRA_RETRIES and isinstance(exc, INFRASTRUCTURE_ERRORS)


def handler_of(spec: KindSpec) -> Handler:
    """The handler function ``spec`` names (``module:function``)."""
    module, _, name = spec.handler.partition(":")
    return cast(Handler, getattr(importlib.import_module(module), name))


def declare_actors(broker: dramatiq.Broker, ctx: WorkerContext) -> dict[JobKind, Any]:
    """Declare the actor of every job kind on ``broker``."""
    actors = {}
    for kind, spec in KINDS.items():
        decorate = dramatiq.actor(
            broker=broker,
            actor_name=spec.actor_name,
            queue_name=QUEUE,
            retry_when=_retry_when,
            min_backoff=1_000,
            max_backoff=30_000,
            time_limit=spec.time_limit_s * 1000,
            max_age=None,
        )
        actors[kind] = decorate(_bind(ctx, handler_of(spec)))
    return actors


def _bind(ctx: WorkerContext, handler: Handler) -> Callable[[str], None]:
    def process(job_id: str) -> None:
        execute(ctx, job_id, handler)

    process.__name__ = handler.__name__
    return process
