"""structlog configuration: JSON lines in production, readable lines in a terminal, and a
processor that redacts secrets from every event before it is rendered."""

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


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Configure structlog and the standard library once, at process start."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s", force=True)
