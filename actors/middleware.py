"""Cross-cutting actor behaviour as Dramatiq middleware."""

from __future__ import annotations

from typing import Any

import dramatiq
import structlog
from dramatiq.broker import MessageProxy


class JobLogContext(dramatiq.Middleware):
    """Binds the job_id of the message being processed into the log context."""

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()
        if message.args:
            structlog.contextvars.bind_contextvars(job_id=message.args[0], actor=message.actor_name)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()
