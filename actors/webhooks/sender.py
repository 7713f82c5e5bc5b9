"""One delivery attempt over HTTP: a signed POST through the guarded client.

A webhook URL is a target like any other: the host policy is applied to the name and to
every address it resolves to when the connection opens, redirects are not followed (a
3xx is a failed attempt), the whole attempt has one timeout, and at most
``max_response_bytes`` of the answer are read.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from actors.webhooks.signing import signature_header
from runner import HostPolicy, OutgoingRequest, TargetClient, TargetError

USER_AGENT = "Gauntlet-Webhooks/0.1"
# How much of a failed answer is kept in the delivery's error, for the operator.
ERROR_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Attempt:
    """What one attempt observed."""

    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None


@dataclass(frozen=True)
class Envelope:
    """What is sent: the stored body and what the headers say about it."""

    delivery_id: str
    event_id: str
    event_type: str
    attempt: int
    body: bytes


class Sender:
    """Sends attempts; one guarded client per thread, so keep-alive connections to a
    receiver are reused across its deliveries."""

    def __init__(self, policy: HostPolicy, *, timeout_s: float, max_response_bytes: int) -> None:
        self.policy = policy
        self.timeout_s = timeout_s
        self.max_response_bytes = max_response_bytes
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: set[TargetClient] = set()

    def _client(self) -> TargetClient:
        client: TargetClient | None = getattr(self._local, "client", None)
        if client is None:
            client = TargetClient(
                policy=self.policy,
                connect_timeout=min(self.timeout_s, 5.0),
                read_timeout=self.timeout_s,
                total_timeout=self.timeout_s,
                max_response_bytes=self.max_response_bytes,
                follow_redirects=False,
            )
            self._local.client = client
            with self._lock:
                self._clients.add(client)
        return client

    def close(self) -> None:
        """Close every thread's client (the delivery threads have stopped)."""
        with self._lock:
            clients, self._clients = self._clients, set()
        for client in clients:
            client.close()

    def post(self, url: str, envelope: Envelope, secrets: list[str]) -> Attempt:
        """POST ``envelope`` to ``url``, signed with every one of ``secrets``."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Gauntlet-Webhook-Id": envelope.event_id,
            "Gauntlet-Event": envelope.event_type,
            "Gauntlet-Delivery-Id": envelope.delivery_id,
            "Gauntlet-Delivery-Attempt": str(envelope.attempt),
            "Gauntlet-Signature": signature_header(secrets, int(time.time()), envelope.body),
        }
        started = time.perf_counter()
        try:
            response = self._client().send(
                OutgoingRequest("POST", url, headers, envelope.body), authorized=True
            )
        except TargetError as exc:
            self._drop_client()
            elapsed = (time.perf_counter() - started) * 1000
            return Attempt(False, None, elapsed, f"{exc.kind}: {exc.message}")
        elapsed = (time.perf_counter() - started) * 1000
        if 200 <= response.status < 300:
            return Attempt(True, response.status, elapsed, None)
        if 300 <= response.status < 400:
            where = response.headers.get("location", "?")
            error = f"HTTP {response.status}: redirects are not followed (to {where})"
        else:
            excerpt = response.body[:ERROR_EXCERPT_CHARS].decode("utf-8", "replace")
            error = f"HTTP {response.status}: {excerpt}".rstrip(": ")
        return Attempt(False, response.status, elapsed, error)

    def _drop_client(self) -> None:
        # After a timeout or reset the pooled connection may be half-used: start afresh.
        client: TargetClient | None = getattr(self._local, "client", None)
        if client is not None:
            with self._lock:
                self._clients.discard(client)
            client.close()
            self._local.client = None
