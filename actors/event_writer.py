"""Appending a job's events without slowing the job: group commit.

``emit`` only queues; one flusher thread appends everything queued in one batch. While a
batch is being written, new events gather for the next one, so a quiet job's events go
out at once and a busy job's go out in batches, with no added latency either way.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog

from storage.events import EventStore, NewEvent

log = structlog.get_logger(__name__)
# One append never carries more than this, so a burst cannot build an oversized batch.
MAX_BATCH = 500


class EventWriter:
    def __init__(self, store: EventStore, job_id: str, org_id: str, app_id: str | None) -> None:
        self._store = store
        self._job = (job_id, org_id, app_id)
        self._pending: list[NewEvent] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(
            target=self._flush_loop, name=f"events-{job_id}", daemon=True
        )
        self._thread.start()

    def emit(self, type_: str, status: str, data: dict[str, Any] | None = None) -> None:
        with self._cond:
            self._pending.append(NewEvent(type=type_, status=status, data=data or {}))
            self._cond.notify()

    def close(self) -> None:
        """Write everything still queued, then stop the flusher."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _flush_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                done = self._closed and not batch
            if done:
                return
            try:
                self._store.append(*self._job, batch)
            except Exception:
                log.exception("events.append_failed", job_id=self._job[0], count=len(batch))
