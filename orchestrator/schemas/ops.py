"""The ops view: workers, queue and running jobs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.jobs import JobKind


class WorkerStatus(BaseModel):
    worker_id: str
    hostname: str
    pid: int
    mode: Literal["embedded", "worker"] = Field(
        description="embedded: threads of the API process on its in-memory broker; worker: "
        "a consumer of the Redis broker (`gauntlet worker`)."
    )
    threads: int = Field(description="Jobs it can run at once.")
    started_at: int = Field(description="Unix seconds.")
    last_seen_at: int = Field(description="Unix seconds of its last heartbeat.")
    alive: bool = Field(description="Its last heartbeat is recent enough (see alive_within_s).")


class KindQueue(BaseModel):
    job_type: JobKind
    queued: int
    running: int


class OpsStatus(BaseModel):
    """Workers are the installation's (they serve every organization); job figures are the
    calling key's organization's."""

    deployment: Literal["embedded", "scaled"]
    workers: list[WorkerStatus] = Field(
        description="Workers seen in the last lost_after_s seconds, alive or not."
    )
    workers_alive: int
    threads_alive: int = Field(description="Threads of the live workers: jobs run at once.")
    heartbeat_interval_s: float
    alive_within_s: float = Field(description="A worker is alive while its beat is this fresh.")
    queue: list[KindQueue] = Field(description="One entry per job type, zeros included.")
    queued_jobs: int
    running_jobs: int
    oldest_queued_age_s: float | None = Field(
        description="How long the oldest QUEUED job has waited; null when none waits."
    )
