"""Appending a job's events without slowing the job: batched appends, mostly inline.

An append costs a few hundred microseconds of CPU whatever its size, so events are
gathered: a batch is due ``linger_s`` after its first event, or at once when
``MAX_BATCH`` events wait. The thread that emits an event finds a due batch and appends
it itself. A separate flusher thread only catches batches that nobody else flushed
(the job went quiet) after ``2 * linger_s``.

Why inline: appending on a flusher thread made the two threads pass the GIL back and
forth (sqlite3 and socket calls release it), which cost a fast suite ~40 % of its speed
even with large batches (bench/runs.py (a)); on the emitting thread the same appends
cost a few percent. Events reach followers at most ``2 * linger_s`` late; ``close``
flushes at once, so a job's terminal event is never held back.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import structlog

from runner import Masker
from storage.events import EventStore, NewEvent

log = structlog.get_logger(__name__)
# One append never carries more than this, so a burst cannot build an oversized batch.
MAX_BATCH = 500
DEFAULT_LINGER_S = 0.01


class EventWriter:
    def __init__(
        self,
        store: EventStore,
        job_id: str,
        org_id: str,
        app_id: str | None,
        *,
        linger_s: float = DEFAULT_LINGER_S,
        masker: Masker | None = None,
    ) -> None:
        self._store = store
        # Every event of the job passes here: the job's secrets are masked out of all of
        # them (whatever a handler put in), see actors.job_secrets.
        self.masker = masker or Masker()
        self._job = (job_id, org_id, app_id)
        self._linger_s = linger_s
        self._pending: list[NewEvent] = []
        self._first_pending_at = 0.0
        # Guards the pending list; held only briefly.
        self._cond = threading.Condition()
        # Held from taking a batch until it is appended, so batches reach the store in
        # the order their events were emitted, whichever thread appends them.
        self._append_lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(
            target=self._flush_loop, name=f"events-{job_id}", daemon=True
        )
        self._thread.start()

    def emit(self, type_: str, status: str, data: dict[str, Any] | None = None) -> None:
        event = NewEvent(type=type_, status=status, data=self.masker.value(data or {}))
        with self._cond:
            self._pending.append(event)
            if len(self._pending) == 1:
                self._first_pending_at = time.monotonic()
                self._cond.notify()  # the flusher now has a deadline to wait for
                return
            due = (
                len(self._pending) >= MAX_BATCH
                or time.monotonic() - self._first_pending_at >= self._linger_s
            )
        if due:
            self._flush()

    def close(self) -> None:
        """Write everything still queued, then stop the flusher."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        self._flush()

    def _flush(self) -> None:
        with self._append_lock:
            while True:
                with self._cond:
                    batch = self._pending[:MAX_BATCH]
                    del self._pending[:MAX_BATCH]
                    if self._pending:
                        self._first_pending_at = time.monotonic()
                if not batch:
                    return
                try:
                    self._store.append(*self._job, batch)
                except Exception:
                    log.exception("events.append_failed", job_id=self._job[0], count=len(batch))

    def _flush_loop(self) -> None:
        """Append batches that stayed pending for twice the linger: a quiet job's."""
        while True:
            with self._cond:
                while not self._closed:
                    if not self._pending:
                        self._cond.wait()
                        continue
                    left = self._first_pending_at + 2 * self._linger_s - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._closed:
                    return
            self._flush()
