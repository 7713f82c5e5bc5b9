"""One exception hierarchy for the whole service. Raised anywhere (services, storage
callers, auth); turned into the error envelope in exactly one place
(``orchestrator.envelope.install_error_handlers``)."""

from __future__ import annotations


class GauntletError(Exception):
    """Base of every error with a public code. ``message`` is safe to show to clients."""

    code = "INTERNAL_ERROR"
    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class AuthenticationRequired(GauntletError):
    code, status = "AUTHENTICATION_REQUIRED", 401


class InsufficientScope(GauntletError):
    code, status = "INSUFFICIENT_SCOPE", 403


class NotFound(GauntletError):
    code, status = "RESOURCE_NOT_FOUND", 404


class MethodNotAllowed(GauntletError):
    code, status = "METHOD_NOT_ALLOWED", 405


class ValidationFailed(GauntletError):
    code, status = "VALIDATION_ERROR", 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class Conflict(GauntletError):
    code, status = "CONFLICT", 409


class PayloadTooLarge(GauntletError):
    code, status = "PAYLOAD_TOO_LARGE", 413


class RateLimited(GauntletError):
    code, status = "RATE_LIMITED", 429


class ServiceUnavailable(GauntletError):
    code, status = "SERVICE_UNAVAILABLE", 503
