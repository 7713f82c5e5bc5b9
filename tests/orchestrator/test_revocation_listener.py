"""The revocation listener rides out a Redis outage quietly and comes back by itself.

While Redis was down it used to retry in a tight loop, logging ~4,500 warnings a second
per API process; now it backs off and says so once per outage, and revocations reach the
other processes again as soon as Redis returns.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
import redis
from structlog.testing import capture_logs

from orchestrator.auth.cache import PrincipalCache, RevocationChannel
from orchestrator.auth.principal import Principal
from tests.support.outages import StoppableRedis, stoppable_redis

CHANNEL = "test:revoked-keys"
RAW_KEY = "gnt_" + "r" * 43
OUTAGE_S = 2.0


@pytest.fixture
def redis_server() -> Iterator[StoppableRedis]:
    with stoppable_redis() as server:
        yield server


def principal(key_id: str) -> Principal:
    return Principal(key_id, "ci", "org-1", "acme", ("read",), None)


def revoke_until_evicted(
    sender: RevocationChannel, cache: PrincipalCache, key_id: str, timeout_s: float
) -> bool:
    """Publish ``key_id``'s revocation until the other process's cache forgot it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        # The sender's own connection may still be coming back.
        with contextlib.suppress(redis.RedisError):
            sender.publish(key_id)
        if cache.get(RAW_KEY) is None:
            return True
        time.sleep(0.1)
    return False


def test_an_outage_logs_once_and_revocations_flow_again_after_it(
    redis_server: StoppableRedis,
) -> None:
    api_one = RevocationChannel(redis_server.url, CHANNEL, lambda _key_id: None)
    cache = PrincipalCache(ttl_s=600)
    api_two = RevocationChannel(redis_server.url, CHANNEL, cache.evict_key)
    try:
        cache.put(RAW_KEY, principal("k1"))
        assert revoke_until_evicted(api_one, cache, "k1", timeout_s=5)

        with capture_logs() as records:
            redis_server.stop()
            time.sleep(OUTAGE_S)
            during_outage = list(records)
            redis_server.start()
            cache.put(RAW_KEY, principal("k2"))
            # The listeners retry with a capped backoff: back within a few seconds.
            assert revoke_until_evicted(api_one, cache, "k2", timeout_s=10)
    finally:
        api_one.close()
        api_two.close()

    listener = [r for r in during_outage if r["event"].startswith("auth.revocation_listener")]
    # One warning per listening process for the whole outage, not thousands a second.
    assert [r["event"] for r in listener] == ["auth.revocation_listener_down"] * 2, listener
    assert all(r["log_level"] == "warning" for r in listener)
    assert len(during_outage) < 10, during_outage
