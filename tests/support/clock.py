"""A clock the tests set: the service reads it (``Runtime.clock``) for quota periods,
key expiry, rotation grace and ``last_used_at``, so tests move time instead of sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class ManualClock:
    """Starts at ``start`` (default: now) and moves only when told to."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def set(self, moment: float | datetime) -> None:
        with self._lock:
            self._now = moment.timestamp() if isinstance(moment, datetime) else moment

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    """Unix seconds of a UTC date."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()
