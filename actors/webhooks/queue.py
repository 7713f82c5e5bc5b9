"""The webhook delivery queue and its messages. A message carries only a delivery id:
the delivery row is the truth (``storage.webhook_deliveries``)."""

from __future__ import annotations

import dramatiq

# Its own queue, consumed by threads of its own: a delivery never waits behind a load
# test that holds every job thread for an hour.
WEBHOOK_QUEUE = "gauntlet-webhooks"
DELIVER_ACTOR = "deliver_webhook"


class DeliverySender:
    """Sends delivery messages on a broker; safe to share between threads."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def send(self, delivery_id: str, *, delay_s: float = 0.0) -> None:
        """Enqueue the delivery, to be handed to a worker after ``delay_s`` seconds."""
        delay_ms = int(delay_s * 1000)
        self.broker.enqueue(
            dramatiq.Message(
                queue_name=WEBHOOK_QUEUE,
                actor_name=DELIVER_ACTOR,
                args=(delivery_id,),
                kwargs={},
                options={},
            ),
            delay=delay_ms if delay_ms > 0 else None,
        )
