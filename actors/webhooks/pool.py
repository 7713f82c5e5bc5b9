"""Delivery threads of a worker process: the delivery actor on its own queue, consumed by
threads of their own, and the delivery reaper. Started and stopped with the job
``WorkerPool`` (embedded threads or ``gauntlet worker``)."""

from __future__ import annotations

import logging

import dramatiq
import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from actors.broker import worker_timeout_ms
from actors.context import WorkerContext
from actors.webhooks.delivery import DeliveryContext, deliver
from actors.webhooks.queue import DELIVER_ACTOR, WEBHOOK_QUEUE, DeliverySender
from actors.webhooks.reaper import DeliveryReaper
from actors.webhooks.sealing import SecretBox
from actors.webhooks.sender import Sender

log = structlog.get_logger(__name__)
# Only infrastructure faults are retried by Dramatiq; a receiver's failure is an attempt
# recorded on the row and retried on the row's own schedule.
MAX_INFRA_RETRIES = 5
_INFRASTRUCTURE = (OperationalError, RedisConnectionError)
# An attempt lasts at most the webhook timeout; this is only a backstop.
TIME_LIMIT_MARGIN_S = 30


def _retry_when(retries: int, exc: BaseException) -> bool:
    return retries < MAX_INFRA_RETRIES and isinstance(exc, _INFRASTRUCTURE)


class _SecondWorkerNotice(logging.Filter):
    """Drops the broker's warning that a second Worker adds its middleware again: two
    workers on one broker, each with its own queues, is what this module means to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "adding a middleware of the same type twice" not in record.getMessage()


def _expect_a_second_worker(broker: dramatiq.Broker) -> None:
    if not any(isinstance(f, _SecondWorkerNotice) for f in broker.logger.filters):
        broker.logger.addFilter(_SecondWorkerNotice())


class DeliveryPool:
    """Consumes delivery messages of ``broker`` on ``threads`` threads until :meth:`stop`."""

    def __init__(
        self, ctx: WorkerContext, broker: dramatiq.Broker, *, threads: int, embedded: bool
    ) -> None:
        settings = ctx.settings
        self.embedded = embedded
        self.queue = DeliverySender(broker)
        self.ctx = DeliveryContext(
            worker=ctx,
            box=SecretBox.for_installation(settings, ctx.engine),
            queue=self.queue,
            sender=Sender(
                ctx.host_policy(),
                timeout_s=settings.webhook_timeout_seconds,
                max_response_bytes=settings.webhook_max_response_bytes,
            ),
        )
        delivery_ctx = self.ctx

        def deliver_webhook(delivery_id: str) -> None:
            structlog.contextvars.unbind_contextvars("job_id")
            structlog.contextvars.bind_contextvars(delivery_id=delivery_id)
            deliver(delivery_ctx, delivery_id)

        declare = dramatiq.actor(
            broker=broker,
            actor_name=DELIVER_ACTOR,
            queue_name=WEBHOOK_QUEUE,
            retry_when=_retry_when,
            min_backoff=1_000,
            max_backoff=30_000,
            time_limit=int((settings.webhook_timeout_seconds + TIME_LIMIT_MARGIN_S) * 1000),
            max_age=None,
        )
        declare(deliver_webhook)
        self.worker = dramatiq.Worker(
            broker,
            queues={WEBHOOK_QUEUE},
            worker_threads=threads,
            worker_timeout=worker_timeout_ms(broker),
        )
        _expect_a_second_worker(broker)
        # As for jobs: a dead process holds no message it had not started on.
        self.worker.queue_prefetch = threads
        self.reaper = DeliveryReaper(
            ctx.engine, self.queue, requeue_after_s=settings.webhook_requeue_after_seconds
        )

    def start(self) -> None:
        """Start delivering. Embedded: first send again what the last process left."""
        if self.embedded:
            self.reaper.sweep(everything=True)
        self.worker.start()
        self.reaper.start()
        log.info("webhooks.started", threads=self.worker.worker_threads)

    def stop(self, grace_s: float) -> None:
        """Stop taking deliveries; one under way finishes within ``grace_s`` or is sent
        again by another worker once its lease expires."""
        self.reaper.stop()
        self.worker.stop(timeout=int(grace_s * 1000))
        self.ctx.sender.close()
