"""How Locust workers find the master of the load test that wants them (no Locust import).

A master never shares an address with other masters: in compose or Kubernetes it runs
inside whichever job-worker replica claimed the load test, so a DNS name shared by the
replicas would send workers to the wrong one. Instead the load test hands out
**tickets**: one per worker it wants, each with the master's own address and port and a
one-time join token. Local workers get theirs on stdin; remote ``gauntlet loadgen-worker``
processes take them from a Redis list they all watch (``BLPOP``), so each ticket reaches
exactly one worker. The master admits a worker only with an unused token of its own, and
only then sends it the load test (with the target's credentials).

Redis keys, under the installation's namespace:

- ``{ns}:loadgen:tickets`` — list of ticket JSON, FIFO; a ticket past ``expires_at`` is
  dropped by the worker that pops it (its master gave up or died);
- ``{ns}:loadgen:idle`` — sorted set of idle worker ids, scored by when each last said
  so; "every idle worker" is the members seen within ``IDLE_TTL_S``.
"""

from __future__ import annotations

import secrets
import time

import redis
from pydantic import BaseModel, Field, ValidationError

# An idle worker says so this often; one silent for IDLE_TTL_S is not counted.
IDLE_REFRESH_S = 2.0
IDLE_TTL_S = 3 * IDLE_REFRESH_S


class Ticket(BaseModel):
    """Admission to one load test's master, for one worker, once."""

    host: str
    port: int = Field(ge=1, le=65535)
    token: str = Field(min_length=16)
    expires_at: float = Field(description="Unix seconds; a later ticket is dropped.")
    label: str = ""

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


def new_token() -> str:
    """A join token: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def issue(host: str, port: int, count: int, valid_s: float, label: str = "") -> list[Ticket]:
    """``count`` tickets for the master at ``host:port``, each with its own token."""
    expires = time.time() + valid_s
    return [
        Ticket(host=host, port=port, token=new_token(), expires_at=expires, label=label)
        for _ in range(count)
    ]


class TicketBoard:
    """The Redis side of the rendezvous (see the module docstring for the keys)."""

    def __init__(self, redis_url: str, namespace: str) -> None:
        self.redis = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
        self.tickets_key = f"{namespace}:loadgen:tickets"
        self.idle_key = f"{namespace}:loadgen:idle"

    def close(self) -> None:
        self.redis.close()

    def post(self, tickets: list[Ticket]) -> list[str]:
        """Offer ``tickets`` to the workers; returns their texts, for :meth:`withdraw`."""
        texts = [t.model_dump_json() for t in tickets]
        if texts:
            self.redis.rpush(self.tickets_key, *texts)
        return texts

    def withdraw(self, texts: list[str]) -> int:
        """Take back the tickets no worker took; how many were still there."""
        if not texts:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for text in texts:
            pipe.lrem(self.tickets_key, 1, text)
        return sum(int(n) for n in pipe.execute())

    def take(self, timeout_s: float) -> Ticket | None:
        """The next ticket, waiting at most ``timeout_s`` (whole seconds, at least 1);
        None when none came. Expired and malformed tickets are dropped on the way."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = max(1, round(deadline - time.monotonic()))
            popped = self.redis.blpop([self.tickets_key], timeout=left)
            if popped is None:
                return None
            try:
                ticket = Ticket.model_validate_json(popped[1])
            except ValidationError:
                continue
            if not ticket.expired():
                return ticket
            if time.monotonic() >= deadline:
                return None

    def idle(self, worker_id: str) -> None:
        """Say that ``worker_id`` waits for a ticket (refresh every ``IDLE_REFRESH_S``)."""
        self.redis.zadd(self.idle_key, {worker_id: time.time()})

    def busy(self, worker_id: str) -> None:
        """Say that ``worker_id`` is no longer waiting (it took a ticket, or it stops)."""
        self.redis.zrem(self.idle_key, worker_id)

    def idle_count(self) -> int:
        """How many workers said they were idle within the last ``IDLE_TTL_S``."""
        now = time.time()
        self.redis.zremrangebyscore(self.idle_key, "-inf", now - 10 * IDLE_TTL_S)
        return int(self.redis.zcount(self.idle_key, now - IDLE_TTL_S, "+inf"))
