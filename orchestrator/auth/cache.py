"""A short-lived, per-process cache of authenticated keys.

Authenticating from the database costs queries on every request; the cache keeps a
principal for ``ttl_s`` seconds, keyed by the key's hash (the raw key is never kept).
Revocation through the API evicts at once in this process and, when scaled, in every
API process through a Redis channel; anything else (the command line of an embedded
install) takes effect within ``ttl_s``. Expiry is checked on every use.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import redis
import structlog
from redis.backoff import ExponentialBackoff

from core.clock import Clock, SystemClock
from orchestrator.auth.keys import hash_of
from orchestrator.auth.principal import Principal

log = structlog.get_logger(__name__)
DEFAULT_TTL_S = 2.0
DEFAULT_MAX_ENTRIES = 10_000
# The revocation listener waits this long for a message per poll, and while Redis is
# down retries after RETRY_FIRST_S, doubling up to RETRY_CAP_S: a handful of attempts a
# minute instead of thousands a second.
POLL_S = 0.2
RETRY_FIRST_S = 0.1
RETRY_CAP_S = 5.0


class PrincipalCache:
    def __init__(
        self,
        ttl_s: float = DEFAULT_TTL_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Clock | None = None,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        # Expiry is a date (the service's clock); the TTL a duration (monotonic time).
        self.clock = clock or SystemClock()
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, raw: str) -> Principal | None:
        digest = hash_of(raw)
        now = time.monotonic()
        today = self.clock.now()
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            stored, principal = entry
            if now - stored > self.ttl_s or (
                principal.expires_at is not None and principal.expires_at <= today
            ):
                del self._entries[digest]
                return None
            return principal

    def put(self, raw: str, principal: Principal) -> None:
        with self._lock:
            self._entries[hash_of(raw)] = (time.monotonic(), principal)
            self._entries.move_to_end(hash_of(raw))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def evict_key(self, key_id: str) -> None:
        with self._lock:
            for digest in [d for d, (_, p) in self._entries.items() if p.key_id == key_id]:
                del self._entries[digest]


class RevocationChannel:
    """Tells every API process sharing a Redis that a key was revoked.

    The listener runs on a thread of its own. While Redis is unreachable it retries with
    an exponential backoff (``RETRY_FIRST_S`` doubling to ``RETRY_CAP_S``) and logs once
    per outage: a warning when listening starts failing, an info line when it works
    again (redis-py subscribes again on reconnect). Revocations missed meanwhile cost at
    most the cache's TTL.
    """

    def __init__(self, redis_url: str, channel: str, on_revoked: Callable[[str], None]) -> None:
        self._client = redis.Redis.from_url(redis_url)
        self._channel = channel
        self._on_revoked = on_revoked
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(**{channel: self._handle})
        self._closing = threading.Event()
        # redis-py's own backoff formula (full exponential, capped), not a hand-written one.
        self._backoff = ExponentialBackoff(cap=RETRY_CAP_S, base=RETRY_FIRST_S)
        self._thread = threading.Thread(target=self._listen, name="auth-revocations", daemon=True)
        self._thread.start()

    def publish(self, key_id: str) -> None:
        self._client.publish(self._channel, key_id)

    def _handle(self, message: dict[str, object]) -> None:
        data = message.get("data")
        if isinstance(data, bytes):
            self._on_revoked(data.decode())

    def _listen(self) -> None:
        failures = 0
        while not self._closing.is_set():
            try:
                self._pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_S)
            except Exception as exc:
                if self._closing.is_set():
                    return
                failures += 1
                if failures == 1:
                    log.warning(
                        "auth.revocation_listener_down",
                        error=str(exc),
                        retry_cap_s=RETRY_CAP_S,
                    )
                self._closing.wait(self._backoff.compute(failures))
                continue
            if failures:
                log.info("auth.revocation_listener_recovered", failed_attempts=failures)
                failures = 0

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=2)
        self._pubsub.close()
        self._client.close()
