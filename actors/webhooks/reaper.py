"""Recovery of deliveries whose message was lost or whose worker died.

The broker is no better at handing back a dead worker's delivery than a job's (and a
Redis worker holds delayed messages in memory until they are due), so recovery comes
from the rows: DELIVERING with an expired lease, and PENDING long past its due time, get
their message again. Duplicates are harmless: only one claim per attempt succeeds.
"""

from __future__ import annotations

import threading
import time

import structlog
from sqlalchemy.engine import Engine

from actors.webhooks.queue import DeliverySender
from storage import webhook_deliveries as delivery_rows
from storage.db import session_scope

log = structlog.get_logger(__name__)
DEFAULT_INTERVAL_S = 5.0
# Far beyond any retry's due time (the longest is hours away).
_FOREVER_S = 365 * 86_400.0


class DeliveryReaper:
    def __init__(
        self,
        engine: Engine,
        queue: DeliverySender,
        *,
        requeue_after_s: float,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.requeue_after_s = requeue_after_s
        self.interval_s = interval_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhook-reaper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def sweep(self, *, everything: bool = False) -> int:
        """One pass; returns how many messages were sent again. ``everything``: every
        PENDING delivery, each delayed until it is due (the embedded broker's messages
        died with the previous process)."""
        now = time.time()
        due_before = now + _FOREVER_S if everything else now - self.requeue_after_s
        with session_scope(self.engine) as session:
            if everything:
                delivery_rows.expire_all_leases(session)
                session.commit()
            due = delivery_rows.recoverable(session, due_before)
        for delivery_id, due_at in due:
            self.queue.send(delivery_id, delay_s=max(0.0, due_at - now))
        if due:
            log.info("webhooks.recovered", resent=len(due))
        return len(due)

    def _loop(self) -> None:
        while not self._done.wait(self.interval_s):
            try:
                self.sweep()
            except Exception:
                log.warning("webhooks.reaper_failed", exc_info=True)
