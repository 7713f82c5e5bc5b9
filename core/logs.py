"""One log format for every process: structlog's own events and every standard-library
record (uvicorn, alembic, dramatiq, Locust, httpx…) are rendered by one
``structlog.stdlib.ProcessorFormatter`` on the root logger's handler, so that JSON mode
is JSON on every line. A processor redacts secrets from every event before it is
rendered.

In ``core`` (not the API's package) because the Locust worker processes of distributed
load tests configure their logs too, and they sit below the orchestrator.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

# Gauntlet keys, bearer/basic credentials inside strings.
_SECRET_PATTERNS = (
    re.compile(r"gnt_[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{4,}"),
)
_SECRET_FIELDS = re.compile(
    r"(?i)^(authorization|x-api-key|api_key|apikey|key|token|password|secret|cookie|set-cookie)$"
)
REDACTED = "[redacted]"
# What GAUNTLET_LOG_LEVEL accepts (core.settings checks it at start-up).
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def redact_value(value: Any) -> Any:
    """``value`` with secret-looking content replaced, recursively."""
    if isinstance(value, str):
        for pattern in _SECRET_PATTERNS:
            value = pattern.sub(REDACTED, value)
        return value
    if isinstance(value, Mapping):
        return {
            k: REDACTED if isinstance(k, str) and _SECRET_FIELDS.match(k) else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: no key, token or password reaches a log line."""
    for field, value in list(event_dict.items()):
        if _SECRET_FIELDS.match(field):
            event_dict[field] = REDACTED
        else:
            event_dict[field] = redact_value(value)
    return event_dict


def use_json(fmt: str) -> bool:
    """``json``, ``console``, or ``auto``: JSON unless stderr is a terminal."""
    return fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Configure structlog and the standard library once, at process start: one handler
    on the root logger, writing to stderr, whose formatter renders both."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json(fmt)
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            redact_secrets,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # Records of other libraries: their logger's name, level and time, and the
        # request's context when they log inside one (uvicorn's errors, httpx).
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            timestamper,
            redact_secrets,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    # Libraries that configure loggers of their own (uvicorn's, when given a config)
    # would print around this handler: theirs go to the root instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "dramatiq"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
