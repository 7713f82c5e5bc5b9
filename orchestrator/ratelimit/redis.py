"""Token buckets in Redis: one budget per key shared by every API process and host."""

from __future__ import annotations

from importlib.resources import files

import redis
from redis.commands.core import Script

from core.errors import ServiceUnavailable
from orchestrator.ratelimit.base import RateDecision, check_limits

DEFAULT_KEY_PREFIX = "gauntlet:ratelimit:"
# A rate-limit check sits in front of every request: when Redis does not answer
# quickly, answering 503 beats holding the request (and a threadpool worker) hostage.
DEFAULT_SOCKET_TIMEOUT_S = 2.0

_SCRIPT_SOURCE = files(__package__).joinpath("token_bucket.lua").read_text(encoding="utf-8")


class RedisRateLimiter:
    """Token buckets kept in Redis and updated by one atomic Lua script per hit.

    Thread-safe (the client's connection pool is). Instances built with the same Redis
    and prefix, in any process on any host, share each key's budget.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        redis_url: str,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        socket_timeout_s: float = DEFAULT_SOCKET_TIMEOUT_S,
    ) -> None:
        check_limits(per_minute, burst)
        self.per_minute = per_minute
        self.burst = burst
        self.key_prefix = key_prefix
        self._client = redis.Redis.from_url(
            redis_url,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
        )
        # EVALSHA with a fallback to EVAL when the server has not seen the script yet
        # (first call, or after a restart or SCRIPT FLUSH).
        self._script: Script = self._client.register_script(_SCRIPT_SOURCE)

    def hit(self, key: str) -> RateDecision:
        """Take one token from ``key``'s bucket if it has one, and say what happened.

        Raises ``ServiceUnavailable`` when Redis cannot be reached in time.
        """
        try:
            reply = self._script(keys=[self.key_prefix + key], args=[self.burst, self.per_minute])
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise ServiceUnavailable("The rate limiter's Redis is unavailable.") from exc
        allowed, remaining, reset_after_s, retry_after_s = (int(v) for v in reply)
        return RateDecision(
            allowed=bool(allowed),
            limit=self.burst,
            remaining=remaining,
            reset_after_s=reset_after_s,
            retry_after_s=retry_after_s,
        )

    def close(self) -> None:
        """Release the connections to Redis."""
        self._client.close()
