"""Per-key token-bucket rate limiting: in memory (embedded) or in Redis (scaled)."""

from __future__ import annotations

from orchestrator.ratelimit.base import RateDecision, RateLimiter
from orchestrator.ratelimit.memory import MemoryRateLimiter
from orchestrator.ratelimit.redis import RedisRateLimiter

__all__ = [
    "MemoryRateLimiter",
    "RateDecision",
    "RateLimiter",
    "RedisRateLimiter",
    "build_rate_limiter",
]


def build_rate_limiter(
    per_minute: int, burst: int, redis_url: str | None, *, key_prefix: str | None = None
) -> RateLimiter:
    """The limiter for a deployment: shared through Redis when ``redis_url`` is set,
    else kept in this process's memory.

    ``per_minute`` is the refill rate (tokens a minute), ``burst`` the bucket capacity.
    Raises ``ValueError`` unless both are at least 1. Connecting to Redis is lazy: an
    unreachable Redis shows up as ``ServiceUnavailable`` from ``hit``, not here.
    """
    if redis_url:
        if key_prefix is not None:
            return RedisRateLimiter(per_minute, burst, redis_url, key_prefix=key_prefix)
        return RedisRateLimiter(per_minute, burst, redis_url)
    return MemoryRateLimiter(per_minute, burst)
