"""One exception hierarchy for the whole service, raised anywhere (storage, runner,
actors, services, auth). Nothing here knows HTTP: the public code and the HTTP status of
each class are mapped in one place at the edge (``orchestrator.envelope``), which is also
the one place that turns an error into the error envelope."""

from __future__ import annotations


class GauntletError(Exception):
    """Base of every error a client may see. ``message`` is safe to show to clients;
    ``retry_after_s`` says when retrying may succeed (rate limits, outages, quotas)."""

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s


class AuthenticationRequired(GauntletError):
    """No key, or a malformed, unknown, revoked or expired one."""


class InsufficientScope(GauntletError):
    """The key is valid but lacks the scope the action needs."""


class NotFound(GauntletError):
    """No such resource in the caller's organization (or no such route)."""


class MethodNotAllowed(GauntletError):
    """The route exists, but not for this method."""


class ValidationFailed(GauntletError):
    """Bad input; ``field`` names the exact place at fault when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class Conflict(GauntletError):
    """A duplicate, or an action the resource's state forbids."""


class PayloadTooLarge(GauntletError):
    """The request body exceeds the configured limit."""


class HeadersTooLarge(GauntletError):
    """The request's head (request line and headers) exceeds the configured limit."""


class RateLimited(GauntletError):
    """Too many requests for the key (or the anonymous client) just now."""


class QuotaExceeded(GauntletError):
    """The organization's plan allows no more of this now. ``quota`` names the limit
    (``runs_per_month``, ``apps``…); ``retry_after_s`` is set when it resets with the
    period, and None when only the organization can free room (deleting apps)."""

    def __init__(self, message: str, *, quota: str, retry_after_s: int | None = None) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.quota = quota


class ServiceUnavailable(GauntletError):
    """A dependency (database, Redis, broker) cannot be reached; retry shortly."""

    def __init__(self, message: str, *, retry_after_s: int | None = 5) -> None:
        super().__init__(message, retry_after_s=retry_after_s)


class StorageFull(ServiceUnavailable):
    """The disk under the database is full: nothing can be written until space is freed
    (reads still work). Retrying helps only once an operator frees space."""

    DEFAULT_MESSAGE = (
        "the server's disk is full: the database cannot store anything until space is "
        "freed; retry later"
    )
    RETRY_AFTER_S = 30

    def __init__(
        self, message: str = DEFAULT_MESSAGE, *, retry_after_s: int | None = RETRY_AFTER_S
    ) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
