"""Job kinds and statuses, and the one table that says how each kind runs.

The broker, the actor declarations, the API and the stream all read these names from
here, so a status or a kind is spelled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from core.jobs.params import (
    GenerateParams,
    LoadTestParams,
    NormalizeParams,
    RunParams,
    ValidateParams,
)


class JobKind(StrEnum):
    GENERATE = "GENERATE"
    RUN = "RUN"
    VALIDATE = "VALIDATE"
    NORMALIZE = "NORMALIZE"
    LOAD_TEST = "LOAD_TEST"


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    CANCELLED = "CANCELLED"


# A job in one of these states never changes again.
TERMINAL: frozenset[JobStatus] = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELLED}
)
# The event that closes a job's log, per terminal status.
TERMINAL_EVENT: dict[JobStatus, str] = {
    JobStatus.COMPLETED: "job.completed",
    JobStatus.FAILED: "job.failed",
    JobStatus.STOPPED: "job.stopped",
    JobStatus.CANCELLED: "job.cancelled",
}
TERMINAL_EVENT_TYPES: frozenset[str] = frozenset(TERMINAL_EVENT.values())

HOUR_S = 3600


@dataclass(frozen=True)
class KindSpec:
    """How jobs of one kind run: the Dramatiq actor's name, its default time limit, the
    handler (``module:function``, imported by the worker that declares the actor) and
    the model of the parameters the job row stores."""

    actor_name: str
    time_limit_s: int
    handler: str
    params: type[BaseModel]


KINDS: dict[JobKind, KindSpec] = {
    JobKind.RUN: KindSpec("run_job", 6 * HOUR_S, "actors.jobs.run:run_job", RunParams),
    JobKind.VALIDATE: KindSpec(
        "validate_job", HOUR_S, "actors.jobs.run:validate_job", ValidateParams
    ),
    JobKind.GENERATE: KindSpec(
        "generate_job", HOUR_S, "actors.jobs.generate:generate_job", GenerateParams
    ),
    JobKind.NORMALIZE: KindSpec(
        "normalize_job", HOUR_S, "actors.jobs.normalize:normalize_job", NormalizeParams
    ),
    # A load test's message gets its own limit: its duration plus a margin.
    JobKind.LOAD_TEST: KindSpec(
        "load_test_job", HOUR_S, "actors.jobs.load_test:load_test_job", LoadTestParams
    ),
}
