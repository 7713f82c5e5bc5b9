"""The rate limiter's contract, run against both backends (memory and a private Redis)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from core.errors import ServiceUnavailable
from orchestrator.ratelimit import (
    MemoryRateLimiter,
    RateDecision,
    RateLimiter,
    RedisRateLimiter,
    build_rate_limiter,
)

MakeLimiter = Callable[[int, int], RateLimiter]
# Slow enough that no token comes back while a test runs (one a minute).
NO_REFILL = 1


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Iterator[MakeLimiter]:
    """``make_limiter(per_minute, burst)``: a limiter of the backend under test, built the
    way the API builds it (``build_rate_limiter``); Redis ones share one emptied database."""
    made: list[RateLimiter] = []
    redis_url = request.getfixturevalue("fresh_redis_url") if request.param == "redis" else None

    def make(per_minute: int, burst: int) -> RateLimiter:
        limiter = build_rate_limiter(per_minute, burst, redis_url)
        expected = RedisRateLimiter if redis_url else MemoryRateLimiter
        assert isinstance(limiter, expected)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        if isinstance(limiter, RedisRateLimiter):
            limiter.close()


def poll_until_allowed(limiter: RateLimiter, key: str, timeout_s: float) -> RateDecision:
    """Hit ``key`` until a hit is allowed; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        decision = limiter.hit(key)
        if decision.allowed:
            return decision
        assert time.monotonic() < deadline, f"no token came back within {timeout_s} s"
        time.sleep(0.005)


def test_burst_is_honoured_exactly(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(NO_REFILL, 5)

    decisions = [limiter.hit("key-a") for _ in range(6)]

    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
    assert {d.limit for d in decisions} == {5}


def test_concurrent_hits_on_a_fresh_key_allow_exactly_the_burst(
    make_limiter: MakeLimiter,
) -> None:
    burst, extra = 40, 10
    limiter = make_limiter(NO_REFILL, burst)
    start = threading.Barrier(burst + extra, timeout=10)

    def hit_together(_: int) -> bool:
        start.wait()
        return limiter.hit("shared-key").allowed

    with ThreadPoolExecutor(max_workers=burst + extra) as pool:
        outcomes = list(pool.map(hit_together, range(burst + extra), timeout=30))

    assert outcomes.count(True) == burst
    assert outcomes.count(False) == extra


def test_tokens_remain_means_no_reset_wait(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(60, 3)

    first = limiter.hit("key-a")

    assert first == RateDecision(
        allowed=True, limit=3, remaining=2, reset_after_s=0, retry_after_s=0
    )


def test_empty_bucket_reports_seconds_until_the_next_token(make_limiter: MakeLimiter) -> None:
    # One token a minute: after the only token is spent, the next one is ~60 s away.
    limiter = make_limiter(NO_REFILL, 1)

    last_allowed = limiter.hit("key-a")
    refused = limiter.hit("key-a")

    assert last_allowed.allowed
    assert last_allowed.remaining == 0
    assert last_allowed.retry_after_s == 0
    assert 59 <= last_allowed.reset_after_s <= 60
    assert not refused.allowed
    assert refused.remaining == 0
    assert 59 <= refused.retry_after_s <= 60
    assert refused.reset_after_s == refused.retry_after_s


def test_retry_after_rounds_a_fraction_of_a_second_up_to_one(
    make_limiter: MakeLimiter,
) -> None:
    # 120 a minute: the next token is 0.5 s away, and Retry-After is whole seconds, never 0.
    limiter = make_limiter(120, 1)
    limiter.hit("key-a")

    refused = limiter.hit("key-a")

    assert not refused.allowed
    assert refused.retry_after_s == 1
    assert refused.reset_after_s == 1


def test_spent_tokens_come_back_at_the_refill_rate(make_limiter: MakeLimiter) -> None:
    # 600 a minute = one token every 100 ms.
    limiter = make_limiter(600, 2)
    assert limiter.hit("key-a").allowed
    assert limiter.hit("key-a").allowed
    emptied_at = time.monotonic()
    assert not limiter.hit("key-a").allowed

    back = poll_until_allowed(limiter, "key-a", timeout_s=5)

    waited = time.monotonic() - emptied_at
    assert waited >= 0.08, f"a token came back after {waited:.3f} s, before its 100 ms"
    assert back.remaining == 0
    assert not limiter.hit("key-a").allowed  # exactly one came back, not the whole burst


def test_an_idle_bucket_refills_only_up_to_the_burst(make_limiter: MakeLimiter) -> None:
    # 60000 a minute is a token a millisecond: 50 ms idle would give 50 without the cap.
    limiter = make_limiter(60_000, 3)
    for _ in range(3):
        limiter.hit("key-a")
    time.sleep(0.05)  # idling is the behaviour under test, not a wait for something

    after_idle = limiter.hit("key-a")

    assert after_idle.allowed
    assert after_idle.remaining == 2


def test_keys_have_independent_budgets(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(NO_REFILL, 2)
    limiter.hit("key-a")
    limiter.hit("key-a")
    assert not limiter.hit("key-a").allowed

    other = limiter.hit("key-b")

    assert other.allowed
    assert other.remaining == 1


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_minute"):
        build_rate_limiter(0, 10, None)
    with pytest.raises(ValueError, match="burst"):
        build_rate_limiter(10, 0, None)


def test_two_redis_limiters_share_one_budget(fresh_redis_url: str) -> None:
    # Two instances with their own connection pools stand for two API processes/hosts.
    first = RedisRateLimiter(NO_REFILL, 4, fresh_redis_url)
    second = RedisRateLimiter(NO_REFILL, 4, fresh_redis_url)
    try:
        outcomes = [(first if i % 2 else second).hit("key-a") for i in range(6)]
    finally:
        first.close()
        second.close()

    assert [d.allowed for d in outcomes] == [True] * 4 + [False] * 2
    assert [d.remaining for d in outcomes[:4]] == [3, 2, 1, 0]


def test_redis_buckets_expire_once_they_would_be_full_again(fresh_redis_url: str) -> None:
    # 60 a minute, burst 5: an emptied bucket is full again after 5 s, so Redis may
    # forget it then (plus a margin), and must not keep it forever.
    limiter = RedisRateLimiter(60, 5, fresh_redis_url, key_prefix="test:")
    client = redis.Redis.from_url(fresh_redis_url)
    try:
        limiter.hit("key-a")
        ttl_ms = client.pttl("test:key-a")
    finally:
        limiter.close()
        client.close()

    assert 5_000 <= ttl_ms <= 6_000


def test_unreachable_redis_raises_service_unavailable() -> None:
    # A port nobody listens on: bind one, note it, close it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    limiter = RedisRateLimiter(60, 5, f"redis://127.0.0.1:{port}/0", socket_timeout_s=1)

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        limiter.hit("key-a")

    assert time.monotonic() - started < 5
