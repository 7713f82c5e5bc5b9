"""The Redis broker's consumers wait for work rather than poll for it: an idle worker
sends Redis about one fetch a second per queue (it sent over ten), and a message
enqueued meanwhile still reaches it (the enqueue wakes it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import dramatiq
import pytest
import redis

from actors.broker import QUEUE, build_broker, worker_timeout_ms
from tests.support import services

IDLE_WINDOW_S = 3.0
# Two consumers (the queue and its delay queue) at about one fetch a second each, with
# room to spare; Dramatiq's consumers with our old 100 ms timeout sent about 80.
MAX_IDLE_FETCHES = 15


@pytest.fixture
def redis_server() -> Iterator[services.PrivateServer]:
    """A Redis of this test's own: its command counts are the worker's alone."""
    try:
        server = services.start_redis()
    except services.MissingServer as exc:
        services.skip_or_fail(f"needs redis-server: {exc}")
        raise
    yield server
    server.stop()


def fetches(client: redis.Redis) -> int:
    """Fetches sent to Redis: Dramatiq's fetch is its dispatch script (EVALSHA), whose
    own commands Redis counts apart."""
    stats = client.info("commandstats")
    return sum(int(entry["calls"]) for name, entry in stats.items() if "evalsha" in name)


def test_an_idle_worker_sends_redis_few_commands_and_still_gets_new_messages(
    redis_server: services.PrivateServer,
) -> None:
    broker = build_broker(redis_server.url, namespace="idle")
    received = threading.Event()

    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="noop", max_retries=0)
    def noop() -> None:
        received.set()

    worker = dramatiq.Worker(
        broker, queues={QUEUE}, worker_threads=2, worker_timeout=worker_timeout_ms(broker)
    )
    worker.start()
    client = redis.Redis.from_url(redis_server.url)
    try:
        time.sleep(worker_timeout_ms(broker) / 1000 * 2)  # the consumers' back-off reaches its cap
        before = fetches(client)
        time.sleep(IDLE_WINDOW_S)
        idle = fetches(client) - before

        noop.send()
        assert received.wait(30), "the message never reached the idle worker"
    finally:
        worker.stop()
        broker.close()
        client.close()

    assert idle <= MAX_IDLE_FETCHES, f"{idle} fetches in {IDLE_WINDOW_S} s of idleness"
