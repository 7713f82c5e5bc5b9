"""Appending a job's events without slowing the job: batched appends, mostly inline,
and never a lost one.

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

When the store is unreachable (Redis down), a failed batch stays at the head of the
queue and the flusher thread retries it with back-off, under the same batch id (the
store then appends it once even if only the reply was lost). Emitting goes on into a
buffer of ``max_buffered`` events; a full buffer blocks the job (back-pressure). An
outage longer than ``give_up_s`` fails the job instead: ``emit`` raises
``EventsUnavailable``, whose message becomes the job's error. A job never runs on with a
log that silently misses events.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import structlog

from core.jobs import TERMINAL_EVENT_TYPES
from runner import Masker
from storage.events import EventStore, NewEvent

log = structlog.get_logger(__name__)
# One append never carries more than this, so a burst cannot build an oversized batch.
MAX_BATCH = 500
DEFAULT_LINGER_S = 0.01
# Events held while the store is unreachable: a few megabytes at most. A step emits one
# or two events, so this is thousands of steps before the job has to wait.
DEFAULT_MAX_BUFFERED = 10_000
# How long an outage may last before the job fails rather than wait on: long enough for
# a Redis restart (with its AOF replay), short of a job lease's takeover.
DEFAULT_GIVE_UP_S = 60.0
# Retry back-off while the store is unreachable.
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 1.0


class EventsUnavailable(RuntimeError):
    """The event store stayed unreachable longer than the job may wait for it."""


class EventWriter:
    """Batches one job's events into its log. ``known_seq`` is the seq the job's log is
    known to have reached: 1, the ``job.queued`` event every job gets at submit. The store
    is told what the writer knows at each append, so a log lost meanwhile (a Redis
    restarted without its data) is marked as such (``stream.reset``) rather than restarted
    from 1 as if nothing happened."""

    def __init__(
        self,
        store: EventStore,
        job_id: str,
        org_id: str,
        app_id: str | None,
        *,
        linger_s: float = DEFAULT_LINGER_S,
        known_seq: int = 1,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        give_up_s: float = DEFAULT_GIVE_UP_S,
        masker: Masker | None = None,
    ) -> None:
        self._store = store
        # Every event of the job passes here: the job's secrets are masked out of all of
        # them (whatever a handler put in), see actors.job_secrets.
        self.masker = masker or Masker()
        self._job = (job_id, org_id, app_id)
        self._linger_s = linger_s
        self._max_buffered = max_buffered
        self._give_up_s = give_up_s
        self._known_seq = known_seq
        # Events not yet stored, oldest first; a batch leaves only once appended.
        self._pending: list[NewEvent] = []
        self._first_pending_at = 0.0
        # (batch id, size) of the head of ``_pending`` after a failed append: retried as
        # the same batch, so the store can tell a retry of an appended batch.
        self._retry: tuple[str, int] | None = None
        # Since when appends fail (monotonic), None while they succeed.
        self._failing_since: float | None = None
        # Guards the state above; held only briefly. ``_cond`` wakes the flusher,
        # ``_room`` the emitters waiting for buffer space.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._room = threading.Condition(self._lock)
        # Held from taking a batch until it is appended, so batches reach the store in
        # the order their events were emitted, whichever thread appends them.
        self._append_lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(
            target=self._flush_loop, name=f"events-{job_id}", daemon=True
        )
        self._thread.start()

    def emit(self, type_: str, status: str, data: dict[str, Any] | None = None) -> None:
        """Queue an event, masked. Blocks while the buffer is full (the store is
        unreachable); raises ``EventsUnavailable`` once the outage outlasted ``give_up_s``
        (a terminal event is still queued then, for ``close`` to try to store)."""
        event = NewEvent(type=type_, status=status, data=self.masker.value(data or {}))
        with self._cond:
            if type_ not in TERMINAL_EVENT_TYPES:
                self._wait_for_room()
            self._pending.append(event)
            if len(self._pending) == 1:
                self._first_pending_at = time.monotonic()
                self._cond.notify()  # the flusher now has a deadline to wait for
                return
            due = self._failing_since is None and (
                len(self._pending) >= MAX_BATCH
                or time.monotonic() - self._first_pending_at >= self._linger_s
            )
        if due:
            self._flush()

    def close(self) -> None:
        """Write everything still queued, then stop the flusher. While the store is
        unreachable this waits (retrying) until ``give_up_s`` after the outage began."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        delay = RETRY_FIRST_S
        while not self._flush():
            with self._cond:
                if self._gave_up():
                    log.error(
                        "events.lost",
                        job_id=self._job[0],
                        count=len(self._pending),
                        outage_s=round(time.monotonic() - (self._failing_since or 0.0), 1),
                    )
                    return
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    def _gave_up(self) -> bool:
        # Call with the lock held.
        since = self._failing_since
        return since is not None and time.monotonic() - since >= self._give_up_s

    def _wait_for_room(self) -> None:
        # Call with the lock held.
        while True:
            if self._gave_up():
                raise EventsUnavailable(
                    f"the event store was unreachable for over {self._give_up_s:g} s: the job"
                    " fails rather than run on with a log that misses events"
                )
            if len(self._pending) < self._max_buffered:
                return
            self._room.wait(RETRY_MAX_S)

    def _flush(self) -> bool:
        """Append everything pending, batch by batch; False when an append failed (the
        batch stays queued for a retry)."""
        with self._append_lock:
            while True:
                with self._cond:
                    if self._retry is not None:
                        batch_id, size = self._retry
                    else:
                        batch_id, size = uuid.uuid4().hex, min(len(self._pending), MAX_BATCH)
                    batch = self._pending[:size]
                    known = self._known_seq
                if not batch:
                    return True
                try:
                    stored = self._store.append(
                        *self._job, batch, batch_id=batch_id, expect_after=known
                    )
                except Exception as exc:
                    self._failed(batch_id, size, exc)
                    return False
                with self._cond:
                    del self._pending[:size]
                    self._retry = None
                    if stored:
                        self._known_seq = stored[-1].seq
                    if self._pending:
                        self._first_pending_at = time.monotonic()
                    if self._failing_since is not None:
                        log.info(
                            "events.append_recovered",
                            job_id=self._job[0],
                            outage_s=round(time.monotonic() - self._failing_since, 1),
                        )
                        self._failing_since = None
                    self._room.notify_all()

    def _failed(self, batch_id: str, size: int, exc: Exception) -> None:
        with self._cond:
            self._retry = (batch_id, size)
            first = self._failing_since is None
            if first:
                self._failing_since = time.monotonic()
            self._room.notify_all()  # waiting emitters check the outage's length
            buffered = len(self._pending)
        if first:  # once per outage, not once per retry
            log.warning(
                "events.append_failing", job_id=self._job[0], buffered=buffered, error=str(exc)
            )

    def _flush_loop(self) -> None:
        """Append batches that stayed pending for twice the linger (a quiet job's), and
        retry with back-off while the store is unreachable."""
        delay = RETRY_FIRST_S
        while True:
            with self._cond:
                while not self._closed:
                    if self._failing_since is not None:
                        self._cond.wait(delay)
                        break
                    delay = RETRY_FIRST_S
                    if not self._pending:
                        self._cond.wait()
                        continue
                    left = self._first_pending_at + 2 * self._linger_s - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._closed:
                    return
            if not self._flush():
                delay = min(delay * 2, RETRY_MAX_S)
