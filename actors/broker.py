"""Dramatiq brokers and sending job messages.

Embedded: Dramatiq's in-memory StubBroker, consumed by worker threads of the same
process. Scaled: the Redis broker (with consumers that wait for a wake-up rather than
poll, actors.redis_broker), consumed by ``gauntlet worker`` processes. A message
carries only the job_id; the job row holds everything else.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from actors.middleware import JobLogContext
from actors.redis_broker import IDLE_POLL_MS, WakingRedisBroker
from actors.webhooks.queue import WEBHOOK_QUEUE
from core.jobs import KINDS, JobKind

QUEUE = "gauntlet-jobs"
NAMESPACE = "gauntlet"
# The in-memory broker's consumers block on a queue (no polling to spare) and release
# delayed messages between two waits: short, so that a delay is kept to the tenth.
STUB_WORKER_TIMEOUT_MS = 100


def worker_timeout_ms(broker: dramatiq.Broker) -> int:
    """Dramatiq's worker timeout for a worker of ``broker``: how long an idle consumer
    waits between two fetches at most (on Redis a new message wakes it at once, see
    actors.redis_broker), and how long a stopping worker's threads take to notice."""
    return IDLE_POLL_MS if isinstance(broker, WakingRedisBroker) else STUB_WORKER_TIMEOUT_MS


def _middleware() -> list[dramatiq.Middleware]:
    return [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(),
        JobLogContext(),
    ]


def build_broker(redis_url: str | None, namespace: str = NAMESPACE) -> dramatiq.Broker:
    """The broker for the deployment: Redis when a URL is given, else in-memory."""
    broker: dramatiq.Broker
    if redis_url:
        broker = WakingRedisBroker(url=redis_url, namespace=namespace, middleware=_middleware())
    else:
        broker = StubBroker(middleware=_middleware())
    broker.declare_queue(QUEUE)
    broker.declare_queue(WEBHOOK_QUEUE)
    return broker


class Dispatcher:
    """Sends job messages on a broker; safe to share between threads."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def send(
        self,
        job_id: str,
        kind: str,
        *,
        time_limit_s: float | None = None,
        delay_s: float | None = None,
    ) -> None:
        """Enqueue the message of job ``job_id`` of ``kind`` (a ``JobKind`` value), to be
        delivered after ``delay_s`` seconds if given."""
        options = {"time_limit": int(time_limit_s * 1000)} if time_limit_s else {}
        self.broker.enqueue(
            dramatiq.Message(
                queue_name=QUEUE,
                actor_name=KINDS[JobKind(kind)].actor_name,
                args=(job_id,),
                kwargs={},
                options=options,
            ),
            delay=int(delay_s * 1000) if delay_s else None,
        )
