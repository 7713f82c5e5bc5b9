"""Keeps a claimed job's lease alive and watches for stop requests, on a thread of its own,
so that the job's code only asks ``should_stop()`` between steps."""

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


class LeaseKeeper:
    def __init__(self, ctx: WorkerContext, job_id: str) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.lost = False
        self.stop_requested = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def should_stop(self) -> bool:
        """True once the job must end early: stop requested, lease lost or shutdown."""
        return self.stop_requested or self.lost or self.ctx.shutting_down.is_set()

    def _loop(self) -> None:
        lease = self.ctx.settings.job_lease_seconds
        renew_every = lease / 3
        last_renewal = time.monotonic()
        while not self._done.wait(STOP_POLL_SECONDS):
            try:
                due = time.monotonic() - last_renewal >= renew_every
                # One statement each time (renewal: UPDATE … RETURNING), each its own
                # transaction: no BEGIN/COMMIT round trips for a poll.
                with autocommit_scope(self.ctx.engine) as session:
                    if due:
                        state = job_states.renew(session, self.job_id, self.ctx.worker_id, lease)
                        last_renewal = time.monotonic()
                        self.lost = self.lost or not state.held
                        self.stop_requested = self.stop_requested or state.stop_requested
                    else:
                        self.stop_requested = self.stop_requested or job_states.is_stop_requested(
                            session, self.job_id
                        )
            except Exception:
                # A database hiccup must not kill the keeper; the lease has slack for it.
                log.warning("job.lease_renewal_failed", job_id=self.job_id, exc_info=True)
            if self.lost:
                log.warning("job.lease_lost", job_id=self.job_id)
                return
