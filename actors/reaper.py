"""Recovery from lost workers and lost messages, run periodically by every worker.

The broker cannot be trusted to hand a dead worker's message back promptly (Redis
requeues unacked messages only after its heartbeat timeout, and only when maintenance
happens to run), so recovery comes from the job rows: RUNNING jobs whose lease expired
and QUEUED jobs that waited too long get their message sent again. Duplicates are
harmless: only one claim can succeed.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import structlog

from actors.broker import Dispatcher
from actors.context import WorkerContext
from core.jobs import TERMINAL_EVENT, JobStatus
from storage import job_states
from storage.db import session_scope
from storage.events import NewEvent

log = structlog.get_logger(__name__)
DEFAULT_INTERVAL_S = 5.0
# A QUEUED job whose message was lost is sent again after this long.
DEFAULT_REQUEUE_AFTER_S = 60.0
RETENTION_EVERY_S = 3600.0


class Reaper:
    def __init__(
        self,
        ctx: WorkerContext,
        dispatcher: Dispatcher,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        requeue_after_s: float = DEFAULT_REQUEUE_AFTER_S,
    ) -> None:
        self.ctx = ctx
        self.dispatcher = dispatcher
        self.interval_s = interval_s
        self.requeue_after_s = requeue_after_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="reaper", daemon=True)
        self._last_retention = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def sweep(self, queued_before: float | None = None) -> int:
        """One pass; returns how many messages were sent again."""
        with session_scope(self.ctx.engine) as session:
            orphans = job_states.stop_orphans(session)
            session.commit()
            cutoff = (
                queued_before if queued_before is not None else time.time() - self.requeue_after_s
            )
            due = job_states.recoverable(session, cutoff)
        for job in orphans:
            self.ctx.events.append(
                job.id,
                job.org_id,
                job.app_id,
                [
                    NewEvent(
                        type=TERMINAL_EVENT[JobStatus.STOPPED], status=JobStatus.STOPPED, data={}
                    )
                ],
            )
        for job_id, kind in due:
            self.dispatcher.send(job_id, kind)
        if due or orphans:
            log.info("jobs.recovered", resent=len(due), stopped=len(orphans))
        return len(due)

    def apply_retention(self) -> int:
        """Delete the event logs of jobs idle longer than GAUNTLET_EVENT_RETENTION_DAYS
        (at most once an hour); 0 when events are kept forever (the default)."""
        days = self.ctx.settings.event_retention_days
        if days is None or time.time() - self._last_retention < RETENTION_EVERY_S:
            return 0
        self._last_retention = time.time()
        deleted = self.ctx.events.delete_older_than(datetime.now(UTC) - timedelta(days=days))
        if deleted:
            log.info("events.retention", deleted=deleted, days=days)
        return deleted

    def _loop(self) -> None:
        while not self._done.wait(self.interval_s):
            try:
                self.sweep()
                self.apply_retention()
            except Exception:
                log.warning("jobs.reaper_failed", exc_info=True)
