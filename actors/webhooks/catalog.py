"""The event types a webhook subscription may name, and how patterns match them.

Job lifecycle events are the job's own events (the same names as in its NDJSON stream);
the per-kind summaries are made from a job's terminal event when the job of that kind
ends with a result. A pattern is a type or a glob over types (``job.*``, ``*``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from core.jobs import JobKind

LIFECYCLE_TYPES: tuple[str, ...] = (
    "job.queued",
    "job.started",
    "job.completed",
    "job.failed",
    "job.stopped",
    "job.cancelled",
)
# The summary a kind's terminal event also produces (when the job left a result).
SUMMARY_TYPE: dict[JobKind, str] = {
    JobKind.RUN: "run.completed",
    JobKind.LOAD_TEST: "load_test.completed",
    JobKind.GENERATE: "generate.completed",
}
PING_TYPE = "webhook.ping"
EVENT_TYPES: tuple[str, ...] = (*LIFECYCLE_TYPES, *SUMMARY_TYPE.values())
# Job events that may lead to a delivery: everything else (steps, stats) is skipped by
# one set lookup, so the runner's hot path pays nothing for webhooks.
SOURCE_TYPES: frozenset[str] = frozenset(LIFECYCLE_TYPES)
TERMINAL_SOURCE_TYPES: frozenset[str] = frozenset(LIFECYCLE_TYPES[2:])

_PATTERN = re.compile(r"^[a-z_.*]{1,100}$")
MAX_PATTERNS = 30


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` cannot be subscribed to, or None when it names at least one type."""
    if not _PATTERN.match(pattern):
        return "an event type or glob: lower-case letters, '_', '.' and '*'"
    if not any(fnmatch.fnmatchcase(t, pattern) for t in EVENT_TYPES):
        return f"matches no event type (known: {', '.join(EVENT_TYPES)})"
    return None


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """True when a pattern names ``event_type``. Pings reach every subscription."""
    if event_type == PING_TYPE:
        return True
    return any(fnmatch.fnmatchcase(event_type, p) for p in patterns)


def wanted_types(patterns: Iterable[str]) -> frozenset[str]:
    """Every event type ``patterns`` name (patterns are fixed per subscription, so this is
    worked out once and matching an event is a set lookup)."""
    return frozenset(t for t in EVENT_TYPES if matches(patterns, t))
