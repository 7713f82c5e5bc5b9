"""Signing secrets and the ``Gauntlet-Signature`` header.

``Gauntlet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``, keyed
with the subscription's secret (its UTF-8 text, prefix included, so that ``openssl dgst
-hmac "$SECRET"`` checks it). During a rotation the header carries one ``v1=`` per live
secret, newest first; a receiver accepts the delivery if any of them matches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SIGNATURE_SCHEME = "v1"
# What receivers are told to accept (docs/webhooks.md): older deliveries are replays.
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and 256 random bits, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_: Sequence[str], timestamp: int, body: bytes) -> str:
    """The ``Gauntlet-Signature`` value: ``t=…`` then one ``v1=…`` per secret, in order."""
    parts = [f"t={timestamp}"]
    parts.extend(f"{SIGNATURE_SCHEME}={sign(s, timestamp, body)}" for s in secrets_)
    return ",".join(parts)


def verify(
    header: str,
    body: bytes,
    secret: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """What a receiver does: True when a ``v1`` signature of ``header`` matches ``body``
    under ``secret`` and its time is within ``tolerance_s`` of ``now``."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SIGNATURE_SCHEME:
            candidates.append(value)
    if timestamp is None or abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
