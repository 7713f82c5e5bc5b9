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

from core.clock import Clock, SystemClock
from orchestrator.auth.keys import hash_of
from orchestrator.auth.principal import Principal

log = structlog.get_logger(__name__)
DEFAULT_TTL_S = 2.0
DEFAULT_MAX_ENTRIES = 10_000


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
    """Tells every API process sharing a Redis that a key was revoked."""

    def __init__(self, redis_url: str, channel: str, on_revoked: Callable[[str], None]) -> None:
        self._client = redis.Redis.from_url(redis_url)
        self._channel = channel
        self._on_revoked = on_revoked
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(**{channel: self._handle})
        self._closing = False
        self._thread = self._pubsub.run_in_thread(
            sleep_time=0.2, daemon=True, exception_handler=self._on_error
        )

    def publish(self, key_id: str) -> None:
        self._client.publish(self._channel, key_id)

    def _handle(self, message: dict[str, object]) -> None:
        data = message.get("data")
        if isinstance(data, bytes):
            self._on_revoked(data.decode())

    def _on_error(self, exc: BaseException, pubsub: object, thread: object) -> None:
        if not self._closing:
            # The entries' short TTL bounds what a missed message costs; keep listening.
            log.warning("auth.revocation_listener_error", error=str(exc))

    def close(self) -> None:
        self._closing = True
        self._thread.stop()
        self._thread.join(timeout=2)
        self._pubsub.close()
        self._client.close()
