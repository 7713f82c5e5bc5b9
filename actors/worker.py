"""Worker pools: Dramatiq worker threads plus the reaper, in the API process (embedded)
or in ``gauntlet worker`` processes (scaled)."""

from __future__ import annotations

import threading
import time

import dramatiq
import structlog
from sqlalchemy.engine import Engine

from actors.broker import QUEUE, Dispatcher, worker_timeout_ms
from actors.context import WorkerContext
from actors.declare import declare_actors
from actors.heartbeat import HeartbeatKeeper
from actors.reaper import Reaper
from actors.webhooks.pool import DeliveryPool
from core.settings import Settings
from storage import job_states
from storage.db import session_scope
from storage.events import EventStore

log = structlog.get_logger(__name__)


class WorkerPool:
    """Consumes job messages of ``broker`` on ``threads`` threads until :meth:`stop`."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        events: EventStore,
        broker: dramatiq.Broker,
        *,
        threads: int,
        embedded: bool,
    ) -> None:
        self.dispatcher = Dispatcher(broker)
        self.embedded = embedded
        self.ctx = WorkerContext(
            settings,
            engine,
            events,
            redispatch=None if embedded else self.dispatcher.send,
            send_later=self._send_later,
        )
        declare_actors(broker, self.ctx)
        self.worker = dramatiq.Worker(
            broker, queues={QUEUE}, worker_threads=threads, worker_timeout=worker_timeout_ms(broker)
        )
        # Dramatiq prefetches twice its threads by default. Jobs are long: a prefetched
        # message waits on a busy worker while another idles, and if this process dies
        # it stays unacked until the broker's heartbeat timeout. Take only what runs now.
        self.worker.queue_prefetch = threads
        self.reaper = Reaper(self.ctx, self.dispatcher)
        self.webhooks = DeliveryPool(
            self.ctx, broker, threads=settings.webhook_threads, embedded=embedded
        )
        self.heartbeat = HeartbeatKeeper(
            engine, self.ctx.worker_id, threads=threads, mode="embedded" if embedded else "worker"
        )

    def _send_later(
        self, job_id: str, kind: str, delay_s: float, time_limit_s: float | None
    ) -> None:
        self.dispatcher.send(job_id, kind, time_limit_s=time_limit_s, delay_s=delay_s)

    def start(self) -> None:
        """Start consuming. Embedded: first take back every job the last process left."""
        if self.embedded:
            with session_scope(self.ctx.engine) as session:
                job_states.expire_all_leases(session)
                session.commit()
            self.reaper.sweep(queued_before=time.time())
        self.worker.start()
        self.reaper.start()
        self.webhooks.start()
        self.heartbeat.start()
        log.info("worker.started", worker=self.ctx.worker_id, threads=self.worker.worker_threads)

    def stop(self, grace_s: float) -> None:
        """Stop taking messages; running jobs are handed back (QUEUED) within ``grace_s``."""
        self.ctx.shutting_down.set()
        self.reaper.stop()
        # In parallel, so the two together stay within the grace.
        webhooks = threading.Thread(target=self.webhooks.stop, args=(grace_s,), daemon=True)
        webhooks.start()
        self.worker.stop(timeout=int(grace_s * 1000))
        webhooks.join()
        self.heartbeat.stop()
        log.info("worker.stopped", worker=self.ctx.worker_id)
