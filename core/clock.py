"""The wall clock the service reads for what users see in time: quota periods, key
expiry and rotation grace, ``last_used_at``.

One object, handed down from the runtime, so that tests can move time instead of
sleeping through it (``tests/support/clock.py``). Leases, timeouts and caches keep
reading their own monotonic or system time: they measure durations, not dates.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix seconds."""
        ...


class SystemClock:
    """The real time (``time.time``)."""

    def now(self) -> float:
        return time.time()


__all__ = ["Clock", "SystemClock"]
