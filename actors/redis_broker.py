"""Dramatiq's Redis broker, with consumers that wait for work instead of polling for it.

Dramatiq's Redis consumer asks Redis for messages, and while there are none it asks
again after a back-off capped by the worker's timeout; with the short timeout that kept
a new job's wait short (100 ms), an idle worker sent Redis about ten fetches a second
per queue, for ever. Here every enqueue also publishes a wake-up naming its queue on the
namespace's channel, and an idle consumer of that queue waits for it (or its back-off,
now capped at ``IDLE_POLL_MS``), so a new message is fetched at once and an idle worker
costs Redis about one fetch a second per queue. The fetch itself stays Dramatiq's (its
Lua script also keeps the worker's heartbeat and requeues dead workers' messages), and
so does the back-off: a wake-up lost (a Redis restart, a subscription not yet made)
costs at most ``IDLE_POLL_MS`` of latency, never a message.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import redis
import structlog
from dramatiq import Message
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import compute_backoff
from dramatiq.errors import ConnectionClosed

log = structlog.get_logger(__name__)
# The longest an idle consumer waits between two fetches (Dramatiq's own default): the
# bound on its Redis traffic when idle, on a delayed message's lateness, and on how long
# a stopping worker waits for its consumers.
IDLE_POLL_MS = 1000
# The longest it waits while it holds messages: a delay queue's consumer holds the delayed
# messages (unacked) until they are due, and its worker releases them only between two
# of its waits; a webhook retry or an admission re-offer must not be a second late.
BUSY_POLL_MS = 100
# A lost subscription is made again after this.
RESUBSCRIBE_S = 1.0


class _Sleeper:
    """One consumer's wait: woken by a published wake-up for its queue or by a slot
    freeing (an ack)."""

    def __init__(self, queue_name: str) -> None:
        self.queue_name = queue_name
        self._cond = threading.Condition()
        self._woken = False

    def arm(self) -> None:
        """Forget earlier wake-ups: call before looking for work."""
        with self._cond:
            self._woken = False

    def wake(self) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify()

    def sleep(self, timeout_s: float) -> None:
        """Return at the first wake-up since ``arm``, or after ``timeout_s``."""
        with self._cond:
            self._cond.wait_for(lambda: self._woken, timeout_s)


class Waker:
    """Wakes this process's sleeping consumers of a queue when a wake-up naming it is
    published on ``channel``, from a thread holding the subscription."""

    def __init__(self, client: redis.Redis, channel: str) -> None:
        self._client = client
        self._channel = channel
        self._lock = threading.Lock()
        self._sleepers: set[_Sleeper] = set()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, sleeper: _Sleeper) -> None:
        """Wake ``sleeper`` from now on; the first one starts the subscription."""
        with self._lock:
            self._sleepers.add(sleeper)
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(
                    target=self._listen, name="redis-waker", daemon=True
                )
                self._thread.start()

    def discard(self, sleeper: _Sleeper) -> None:
        with self._lock:
            self._sleepers.discard(sleeper)

    def publish(self, queue_name: str) -> None:
        """Wake the idle consumers of ``queue_name`` in every process of this namespace.
        Never raises: the message is enqueued already, and consumers poll anyway."""
        try:
            self._client.publish(self._channel, queue_name)
        except redis.RedisError:
            log.debug("broker.wake_failed", channel=self._channel)

    def close(self) -> None:
        self._closed.set()
        self._wake(None)

    def _wake(self, queue_name: str | None) -> None:
        """Wake the sleepers of ``queue_name`` (None: all of them)."""
        with self._lock:
            sleepers = [s for s in self._sleepers if queue_name in (None, s.queue_name)]
        for sleeper in sleepers:
            sleeper.wake()

    def _listen(self) -> None:
        while not self._closed.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self._channel)
                # A wake-up may have been missed while there was no subscription.
                self._wake(None)
                while not self._closed.is_set():
                    message = pubsub.get_message(timeout=IDLE_POLL_MS / 1000)
                    if message is not None:
                        data = message["data"]
                        self._wake(data.decode() if isinstance(data, bytes) else str(data))
            except redis.RedisError:
                self._closed.wait(RESUBSCRIBE_S)
            finally:
                with contextlib.suppress(redis.RedisError):
                    pubsub.close()


class WakingRedisBroker(RedisBroker):
    """``RedisBroker`` whose enqueues wake idle consumers and whose consumers wait for
    that instead of polling fast."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waker = Waker(self.client, f"{self.namespace}:wake")

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = IDLE_POLL_MS) -> Consumer:
        return _WakingConsumer(self, queue_name, prefetch, timeout)

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        enqueued = super().enqueue(message, delay=delay)
        self.waker.publish(enqueued.queue_name)  # the delay queue's for a delayed one
        return enqueued

    def close(self) -> None:
        self.waker.close()
        super().close()


class _WakingConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer with the idle sleep replaced by a wait for a wake-up:
    a published one (a message was enqueued) or its own (one of its messages was acked,
    so a prefetch slot is free: the next message is fetched at once, not after a
    back-off as in Dramatiq's)."""

    def __init__(self, broker: WakingRedisBroker, *args: Any) -> None:
        super().__init__(broker, *args)
        self.sleeper = _Sleeper(self.queue_name)
        broker.waker.add(self.sleeper)

    def ack(self, message: MessageProxy) -> None:
        try:
            super().ack(message)
        finally:
            self.sleeper.wake()

    def nack(self, message: MessageProxy) -> None:
        try:
            super().nack(message)
        finally:
            self.sleeper.wake()

    def close(self) -> None:
        self.broker.waker.discard(self.sleeper)
        super().close()

    def __next__(self) -> MessageProxy | None:
        try:
            while True:
                if self.message_cache:
                    data = self.message_cache.pop(0)
                    if data is None:  # Dramatiq's consumer guards against it (its #266)
                        continue
                    self.misses = 0
                    message = Message.decode(data)
                    self.queued_message_ids.add(message.message_id)
                    return MessageProxy(message)
                self.sleeper.arm()
                if self.outstanding_message_count < self.prefetch:
                    self.message_cache = self.broker.do_fetch(
                        self.queue_name, self.prefetch - self.outstanding_message_count
                    )
                    if self.message_cache:
                        continue
                longest = self.timeout
                if self.outstanding_message_count:
                    longest = min(longest, BUSY_POLL_MS)
                self.misses, backoff_ms = compute_backoff(self.misses, max_backoff=longest)
                self.sleeper.sleep(backoff_ms / 1000)
                return None
        except redis.ConnectionError as exc:
            raise ConnectionClosed(exc) from None
