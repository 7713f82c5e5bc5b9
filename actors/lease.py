"""Keeps claimed jobs' leases alive and watches for stop requests, so that a job's code
only asks ``should_stop()`` between steps.

One watcher thread per worker (``WorkerContext``) serves every job it runs: each tick
(``STOP_POLL_SECONDS``) is one statement for all its jobs, a renewal of the leases that
are due (``UPDATE … RETURNING``) or a look for stop requests, not one thread and one
query per job. A job is watched from ``STOP_POLL_SECONDS`` after it was claimed: one
that ends sooner (most short runs) costs the database nothing here.
"""

from __future__ import annotations

import threading
import time

import structlog

from actors.context import WorkerContext
from storage import job_states
from storage.db import autocommit_scope

log = structlog.get_logger(__name__)
# How often a stop request is looked for: the bound on "stopped within 2 s" with margin.
STOP_POLL_SECONDS = 0.25
# A watcher thread without a job for this long ends (its worker may be gone for good).
IDLE_EXIT_S = 60.0


class LeaseKeeper:
    """A job's lease, kept by its worker's watcher while the ``with`` block runs."""

    def __init__(self, ctx: WorkerContext, job_id: str) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.lost = False
        self.stop_requested = False
        # When the lease was last extended (the claim did it first).
        self.renewed_at = time.monotonic()

    def __enter__(self) -> LeaseKeeper:
        _watcher_of(self.ctx).add(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        _watcher_of(self.ctx).discard(self)

    def should_stop(self) -> bool:
        """True once the job must end early: stop requested, lease lost or shutdown."""
        return self.stop_requested or self.lost or self.ctx.shutting_down.is_set()


_watchers_lock = threading.Lock()


def _watcher_of(ctx: WorkerContext) -> _Watcher:
    with _watchers_lock:
        if ctx.lease_watcher is None:
            ctx.lease_watcher = _Watcher(ctx)
        watcher: _Watcher = ctx.lease_watcher
        return watcher


class _Watcher:
    """The thread that keeps the leases of one worker's jobs; it sleeps on a condition
    while the worker runs none."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self._cond = threading.Condition()
        self._keepers: set[LeaseKeeper] = set()
        self._thread: threading.Thread | None = None
        # Ticks failed in a row: an outage is logged when it starts and when it ends, not
        # with a traceback four times a second while it lasts.
        self._failures = 0

    def add(self, keeper: LeaseKeeper) -> None:
        with self._cond:
            self._keepers.add(keeper)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="leases", daemon=True)
                self._thread.start()
            elif len(self._keepers) == 1:
                self._cond.notify()

    def discard(self, keeper: LeaseKeeper) -> None:
        with self._cond:
            self._keepers.discard(keeper)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: bool(self._keepers), IDLE_EXIT_S):
                    self._thread = None  # the next job starts another
                    return
            time.sleep(STOP_POLL_SECONDS)
            now = time.monotonic()
            with self._cond:
                watched = [k for k in self._keepers if now - k.renewed_at >= STOP_POLL_SECONDS]
            if watched:
                self._tick(watched, now)

    def _tick(self, keepers: list[LeaseKeeper], now: float) -> None:
        lease = self.ctx.settings.job_lease_seconds
        due = [k for k in keepers if now - k.renewed_at >= lease / 3]
        polled = [k for k in keepers if k not in due]
        try:
            # One statement each (autocommitted): no BEGIN/COMMIT round trips for a poll.
            with autocommit_scope(self.ctx.engine) as session:
                if due:
                    held = job_states.renew_many(
                        session, [k.job_id for k in due], self.ctx.worker_id, lease
                    )
                    for keeper in due:
                        keeper.renewed_at = now
                        if keeper.job_id in held:
                            keeper.stop_requested |= held[keeper.job_id]
                        else:
                            keeper.lost = True
                            log.warning("job.lease_lost", job_id=keeper.job_id)
                            self.discard(keeper)
                if polled:
                    stopping = job_states.stops_requested(session, [k.job_id for k in polled])
                    for keeper in polled:
                        keeper.stop_requested |= keeper.job_id in stopping
        except Exception:
            # A database hiccup must not end the watch; a lease has slack for it.
            self._failures += 1
            if self._failures == 1:
                log.warning("job.lease_renewal_failed", jobs=len(keepers), exc_info=True)
            return
        if self._failures:
            log.info("job.lease_renewal_recovered", failed_ticks=self._failures)
            self._failures = 0
