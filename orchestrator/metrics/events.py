"""Job, step and load-test metrics, counted where every job event passes: the event store.

Whoever appends an event (the API submitting or cancelling, a worker's engine and
handlers, the reaper) appends it through ``runtime.events``; ``MetricsEventStore`` wraps
the deployment's store there, times each append, and counts what the stored events say:
``job.queued`` (a submission), the terminal ``job.*`` events (a finished job and its
duration), ``step.completed`` and ``load.stats``. Counting never fails an append: a
failure here is logged and forgotten.

A job's kind and duration come from its ``job.started`` event when this process appended
it (a worker finishing its own job: no read); otherwise, as when the API cancels a job,
from the job row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from core import metrics
from core.jobs import TERMINAL_EVENT_TYPES, JobKind
from storage.db import autocommit_scope
from storage.events import Event, EventStore, ForwardingEventStore, NewEvent
from storage.models import Job

log = structlog.get_logger(__name__)
# A load test reports every second; one silent for this long is not counted as running
# (its worker died, or its end was recorded by another process).
LOAD_STATS_STALE_S = 10.0
# Jobs started here and not yet ended that are remembered; past it, the oldest are
# forgotten (their end, if it comes, is counted from the job row).
MAX_STARTED = 10_000


class StartedJobs:
    """Kind and start (monotonic) of the jobs whose ``job.started`` this process appended."""

    def __init__(self, limit: int = MAX_STARTED) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._by_job: dict[str, tuple[str, float]] = {}

    def started(self, job_id: str, kind: str) -> None:
        with self._lock:
            self._by_job.pop(job_id, None)  # a restart: started again, now
            self._by_job[job_id] = (kind, time.monotonic())
            while len(self._by_job) > self._limit:
                del self._by_job[next(iter(self._by_job))]

    def ended(self, job_id: str) -> tuple[str, float] | None:
        """(kind, seconds since its start), or None for a job not started here."""
        with self._lock:
            known = self._by_job.pop(job_id, None)
        return None if known is None else (known[0], time.monotonic() - known[1])


class LoadRates:
    """The last ``current_rps`` of each load test running in this process; the gauge is
    their sum."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_job: dict[str, tuple[float, float]] = {}

    def report(self, job_id: str, rps: float) -> None:
        with self._lock:
            self._by_job[job_id] = (rps, time.monotonic())
            self._publish()

    def ended(self, job_id: str) -> None:
        with self._lock:
            if self._by_job.pop(job_id, None) is not None:
                self._publish()

    def _publish(self) -> None:
        cutoff = time.monotonic() - LOAD_STATS_STALE_S
        self._by_job = {j: (r, at) for j, (r, at) in self._by_job.items() if at >= cutoff}
        metrics.LOAD_TEST_RPS.set(sum(r for r, _ in self._by_job.values()))


class MetricsEventStore(ForwardingEventStore):
    """The deployment's event store, metered. Everything but ``append`` is the wrapped
    store's."""

    def __init__(self, inner: EventStore, engine: Engine) -> None:
        super().__init__(inner)
        self.engine = engine
        self.load_rates = LoadRates()
        self.started = StartedJobs()

    def append(
        self,
        job_id: str,
        org_id: str,
        app_id: str | None,
        events: Sequence[NewEvent],
        *,
        batch_id: str | None = None,
        expect_after: int = 0,
    ) -> list[Event]:
        started = time.perf_counter()
        try:
            stored = self.inner.append(
                job_id, org_id, app_id, events, batch_id=batch_id, expect_after=expect_after
            )
        except Exception:
            metrics.EVENT_APPEND_FAILURES.inc()
            raise
        metrics.EVENT_APPEND_DURATION.observe(time.perf_counter() - started)
        try:
            self._count(stored)
        except Exception:
            log.warning("metrics.count_failed", job_id=job_id, exc_info=True)
        return stored

    def _count(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.type == "step.completed":
                self._step(event.data)
            elif event.type == "load.stats":
                self.load_rates.report(event.job_id, float(event.data.get("current_rps") or 0))
            elif event.type == "job.queued":
                metrics.JOBS_SUBMITTED.labels(str(event.data.get("job_type", "unknown"))).inc()
            elif event.type == "job.started" and isinstance(event.data.get("job_type"), str):
                self.started.started(event.job_id, event.data["job_type"])
            elif event.type in TERMINAL_EVENT_TYPES:
                self._finished(event)

    def _step(self, data: dict[str, Any]) -> None:
        metrics.STEPS_EXECUTED.inc()
        if not data.get("passed"):
            metrics.STEPS_FAILED.inc()
        duration_ms = data.get("duration_ms")
        if isinstance(duration_ms, int | float):
            metrics.TARGET_REQUEST_DURATION.observe(duration_ms / 1000)

    def _finished(self, event: Event) -> None:
        known = self.started.ended(event.job_id)
        kind, span = known if known is not None else self._kind_and_span(event.job_id)
        metrics.JOBS_FINISHED.labels(kind, event.status).inc()
        if span is not None:
            metrics.JOB_DURATION.labels(kind).observe(max(0.0, span))
        if kind == JobKind.LOAD_TEST:
            self.load_rates.ended(event.job_id)

    def _kind_and_span(self, job_id: str) -> tuple[str, float | None]:
        """From the job row (the terminal event carries neither kind nor start time): one
        statement without a transaction around it."""
        with autocommit_scope(self.engine) as session:
            row = session.execute(
                select(Job.type, Job.started_at, Job.finished_at).where(col(Job.id) == job_id)
            ).first()
        if row is None:
            return "unknown", None
        return row[0], row[2] - row[1] if row[1] and row[2] else None
