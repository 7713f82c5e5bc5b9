"""``last_used_at`` of keys, written at most once a minute per key.

Every request asks :meth:`LastUsedRecorder.due`, a dictionary lookup; only when the key's
last write in this process is a minute old does the request pay one conditional UPDATE,
which also skips the write when another API process recorded a use within the minute.
So a busy key costs one write a minute per process at most, never one per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import structlog
from sqlalchemy.engine import Engine

from storage import keys as key_rows
from storage.db import session_scope

log = structlog.get_logger(__name__)
# How stale last_used_at may be: the "at most once a minute per key".
DEFAULT_RESOLUTION_S = 60.0
DEFAULT_MAX_ENTRIES = 10_000


class LastUsedRecorder:
    def __init__(
        self,
        engine: Engine,
        resolution_s: float = DEFAULT_RESOLUTION_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self.engine = engine
        self.resolution_s = resolution_s
        self.max_entries = max_entries
        self._written: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def due(self, key_id: str, now: float) -> bool:
        """True when this request should record the use (and claims it: a concurrent
        request of the same key gets False)."""
        with self._lock:
            last = self._written.get(key_id)
            if last is not None and now - last < self.resolution_s:
                return False
            self._written[key_id] = now
            self._written.move_to_end(key_id)
            while len(self._written) > self.max_entries:
                self._written.popitem(last=False)
            return True

    def record(self, key_id: str, now: float) -> None:
        """Write ``last_used_at`` (blocking I/O: call it off the event loop). A failure is
        logged, never raised: it must not fail the request it rides on."""
        try:
            with session_scope(self.engine) as session:
                key_rows.touch(session, key_id, now, self.resolution_s)
                session.commit()
        except Exception:
            log.warning("auth.last_used_write_failed", key_id=key_id, exc_info=True)
