"""A worker pool's heartbeat: its row in ``worker_heartbeats`` rewritten every few seconds
on a thread of its own, so the ops view can tell which workers are alive."""

from __future__ import annotations

import os
import socket
import threading
import time

import structlog
from sqlalchemy.engine import Engine

from storage import worker_heartbeats
from storage.db import session_scope
from storage.worker_heartbeats import WorkerHeartbeat

log = structlog.get_logger(__name__)
DEFAULT_HEARTBEAT_INTERVAL_S = 5.0
# A worker is alive while its last beat is younger than this: two missed beats of slack.
ALIVE_WITHIN_S = 3 * DEFAULT_HEARTBEAT_INTERVAL_S
# A killed worker leaves its row behind; rows this old are deleted by any live worker.
PRUNE_AFTER_S = 24 * 3600.0


class HeartbeatKeeper:
    """Beats for one worker pool from :meth:`start` until :meth:`stop`."""

    def __init__(
        self,
        engine: Engine,
        worker_id: str,
        *,
        threads: int,
        mode: str,
        interval_s: float = DEFAULT_HEARTBEAT_INTERVAL_S,
    ) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self._row = WorkerHeartbeat(
            worker_id=worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            mode=mode,
            threads=threads,
            started_at=time.time(),
            last_seen_at=time.time(),
        )
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)

    def start(self) -> None:
        """Beat once now (the worker shows up at once), then every ``interval_s``."""
        self._beat()
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and delete the row: a worker that stopped cleanly is not alive."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            with session_scope(self.engine) as session:
                worker_heartbeats.remove(session, self._row.worker_id)
                session.commit()
        except Exception:
            # Its row then ages out of "alive" like a killed worker's.
            log.warning("worker.heartbeat_remove_failed", exc_info=True)

    def _beat(self) -> None:
        now = time.time()
        row = WorkerHeartbeat.model_validate(self._row.model_dump() | {"last_seen_at": now})
        with session_scope(self.engine) as session:
            worker_heartbeats.beat(session, row)
            worker_heartbeats.prune(session, now - PRUNE_AFTER_S)
            session.commit()

    def _loop(self) -> None:
        while not self._done.wait(self.interval_s):
            try:
                self._beat()
            except Exception:
                # A database hiccup costs a beat, not the worker.
                log.warning("worker.heartbeat_failed", exc_info=True)
