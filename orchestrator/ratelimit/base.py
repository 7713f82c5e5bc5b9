"""What every rate limiter promises: a token bucket per key, one decision per hit.

The bucket of a key holds at most ``burst`` tokens and starts full; it refills
continuously at ``per_minute`` tokens a minute. A hit takes one token if there is
one, and is refused otherwise (a refused hit takes nothing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

# Tokens are fractional while they refill; a bucket holding 0.999999 tokens has no
# whole token to give, so "at least one token" comparisons use this tolerance to keep
# float rounding from refusing a hit that is due.
TOKEN_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The outcome of one hit, carrying everything the rate-limit headers need.

    ``limit`` is the bucket capacity (``burst``); ``remaining`` the whole tokens left
    after this hit; ``reset_after_s`` the whole seconds until at least one token is
    available again (0 while tokens remain); ``retry_after_s`` is 0 when the hit was
    allowed, else the whole seconds to wait before a retry can succeed (at least 1).
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after_s: int
    retry_after_s: int


class RateLimiter(Protocol):
    """A token-bucket limiter keyed by an opaque string (e.g. an API key's id)."""

    def hit(self, key: str) -> RateDecision:
        """Take one token from ``key``'s bucket if it has one, and say what happened."""
        ...


def check_limits(per_minute: int, burst: int) -> None:
    """Raise ``ValueError`` unless both limits are positive integers."""
    if per_minute < 1:
        raise ValueError(f"per_minute must be at least 1, got {per_minute}")
    if burst < 1:
        raise ValueError(f"burst must be at least 1, got {burst}")


def seconds_until_one_token(tokens: float, per_minute: int) -> int:
    """Whole seconds (rounded up) until a bucket holding ``tokens`` holds one; 0 if it does."""
    missing = 1.0 - tokens
    if missing <= TOKEN_EPSILON:
        return 0
    return math.ceil(missing * 60.0 / per_minute)
