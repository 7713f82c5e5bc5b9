"""Key material: generation, hashing, hints and constant-time verification.

A key is ``gnt_`` + 43 URL-safe characters (32 random bytes, 256 bits). The server keeps
only its SHA-256 (a slow hash buys nothing for a 256-bit random secret) and a public
lookup prefix, so a request costs one indexed lookup and one constant-time comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_PREFIX = "gnt_"
_KEY_RE = re.compile(r"^gnt_[A-Za-z0-9_\-]{43}$")
_LOOKUP_LEN = 16


def generate() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def is_well_formed(raw: str) -> bool:
    return bool(_KEY_RE.match(raw))


def lookup_of(raw: str) -> str:
    return raw[:_LOOKUP_LEN]


def hash_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hint_of(raw: str) -> str:
    """What may be shown after creation: the prefix and the last 4 characters."""
    return f"{raw[:8]}...{raw[-4:]}"


def matches(raw: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_of(raw), stored_hash)
