"""In-process token buckets: the embedded deployment's limiter (one API process)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.ratelimit.base import (
    TOKEN_EPSILON,
    RateDecision,
    check_limits,
    seconds_until_one_token,
)

# Above this many buckets, a hit first drops the buckets that have refilled completely
# (a full bucket and a missing one mean the same), so memory stays bounded by the keys
# active within one refill period rather than by every key ever seen.
DEFAULT_PRUNE_ABOVE = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float


class MemoryRateLimiter:
    """Thread-safe token buckets kept in this process's memory.

    Not shared between processes: with several API processes, use the Redis limiter.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        prune_above: int = DEFAULT_PRUNE_ABOVE,
    ) -> None:
        check_limits(per_minute, burst)
        self.per_minute = per_minute
        self.burst = burst
        self._clock = clock
        self._prune_above = prune_above
        self._tokens_per_second = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        # One lock for all keys: a hit is a few float operations, far cheaper than the
        # bookkeeping per-key locks would need.
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        """Take one token from ``key``'s bucket if it has one, and say what happened."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._prune_above:
                    self._prune(now)
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            else:
                self._refill(bucket, now)
            allowed = bucket.tokens >= 1.0 - TOKEN_EPSILON
            if allowed:
                bucket.tokens = max(bucket.tokens - 1.0, 0.0)
            tokens = bucket.tokens
        wait_s = seconds_until_one_token(tokens, self.per_minute)
        return RateDecision(
            allowed=allowed,
            limit=self.burst,
            remaining=math.floor(tokens + TOKEN_EPSILON),
            reset_after_s=wait_s,
            retry_after_s=0 if allowed else max(wait_s, 1),
        )

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(now - bucket.updated_at, 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self._tokens_per_second)
        bucket.updated_at = now

    def _prune(self, now: float) -> None:
        full_after_s = self.burst / self._tokens_per_second
        idle = [k for k, b in self._buckets.items() if now - b.updated_at >= full_after_s]
        for key in idle:
            del self._buckets[key]
