"""One Redis pub/sub connection per store, feeding a ``WakeupHub``.

Every append publishes ``{"job", "seq", "org", "oid"}`` on the store's channel. A single
daemon thread per process (per store) listens and publishes into the hub, so followers
cost a parked future each, never a blocked Redis connection each.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import redis
import structlog

from storage.events._hub import WakeupHub

log = structlog.get_logger(__name__)

# How long one read on the pub/sub socket blocks, which bounds how long a stop without
# Redis (the stop message cannot be delivered) takes.
_POLL_SECONDS = 1.0
# Pause before reconnecting after Redis went away.
_RECONNECT_SECONDS = 0.5


class RedisListener:
    """Listens on ``channel`` in a daemon thread and turns each notification into
    ``on_message(payload)`` calls. ``start()`` returns once subscribed, so an append that
    follows cannot be missed."""

    def __init__(
        self,
        client: redis.Redis,
        channel: str,
        hub: WakeupHub,
        on_message: Callable[[dict[str, Any]], None],
    ) -> None:
        self._client = client
        self._channel = channel
        self._hub = hub
        self._on_message = on_message
        self._stop_token = uuid.uuid4().hex
        self._stopping = threading.Event()
        self._subscribed = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        """True while subscribed: notifications flow."""
        return self._subscribed.is_set()

    def start(self, timeout: float = 5.0) -> None:
        """Start the thread if needed and wait (up to ``timeout``) until it is subscribed."""
        with self._start_lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(
                    target=self._run, name=f"events-listener:{self._channel}", daemon=True
                )
                self._thread.start()
        self._subscribed.wait(timeout)

    def stop(self) -> None:
        """Stop the thread, quickly when Redis is reachable."""
        self._stopping.set()
        thread = self._thread
        if thread is None:
            return
        # Wake our own blocked read at once: other processes ignore a foreign token.
        with contextlib.suppress(redis.RedisError):
            self._client.publish(self._channel, json.dumps({"stop": self._stop_token}))
        thread.join(_POLL_SECONDS * 2 + _RECONNECT_SECONDS)

    def _run(self) -> None:
        pubsub = self._client.pubsub()
        try:
            while not self._stopping.is_set():
                try:
                    self._listen(pubsub)
                except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                    log.warning("events.listener_disconnected", error=str(exc))
                    self._subscribed.clear()
                    self._stopping.wait(_RECONNECT_SECONDS)
        finally:
            pubsub.close()

    def _listen(self, pubsub: redis.client.PubSub) -> None:
        if not pubsub.subscribed:
            pubsub.subscribe(self._channel)
        while not self._stopping.is_set():
            message = pubsub.get_message(timeout=_POLL_SECONDS)
            if message is None:
                continue
            if message["type"] == "subscribe":
                # First subscription or a resubscription after a reconnect: anything
                # published meanwhile was lost, so every follower checks the store again.
                self._subscribed.set()
                self._hub.poke_all()
            elif message["type"] == "message":
                self._dispatch(message["data"])

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            payload = json.loads(raw)
        except ValueError:
            log.warning("events.listener_bad_message")
            return
        if not isinstance(payload, dict) or payload.get("stop") == self._stop_token:
            return
        if "job" in payload:
            self._on_message(payload)
