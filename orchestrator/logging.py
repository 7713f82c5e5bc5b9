"""The API's name for the log configuration, which lives in :mod:`core.logs` (the
Locust worker processes below the orchestrator configure theirs with it too)."""

from __future__ import annotations

from core.logs import REDACTED, configure_logging, redact_secrets, redact_value

__all__ = ["REDACTED", "configure_logging", "redact_secrets", "redact_value"]
