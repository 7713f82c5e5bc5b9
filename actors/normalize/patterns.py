"""Recognising values that are typically noise: times, UUIDs, random tokens, and the
headers that carry them (Date, ETag, request ids).

Recognition is deliberately narrow. A value that only *might* be noise (a short id, a
word) is left alone: marking a real value as noise silences a check, which is worse than
one more failing assertion the user sees and judges.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?")
_HTTP_DATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} GMT"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.~:]+")
# Below this length a "random-looking" string is as likely a code or a short id.
MIN_TOKEN_LENGTH = 16
# Random base64/hex text carries 3.5-6 bits per character; identifiers and words less.
MIN_TOKEN_ENTROPY = 3.0

# Response headers whose value changes by design from one response to the next.
NOISY_HEADERS = frozenset(
    {
        "date",
        "etag",
        "last-modified",
        "expires",
        "age",
        "set-cookie",
        "x-request-id",
        "request-id",
        "x-correlation-id",
        "x-trace-id",
        "traceparent",
        "tracestate",
        "x-amzn-requestid",
        "x-amzn-trace-id",
        "cf-ray",
        "x-runtime",
        "x-response-time",
        "server-timing",
    }
)


def noise_kind(value: object) -> str | None:
    """What kind of typical noise ``value`` looks like ('RFC 3339 time', 'UUID', ...),
    or None when it looks like an ordinary value. Only strings are recognised."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _RFC3339.fullmatch(text):
        return "RFC 3339 time"
    if _HTTP_DATE.fullmatch(text):
        return "HTTP date"
    if _UUID.fullmatch(text.strip("{}")):
        return "UUID"
    if _JWT.fullmatch(text):
        return "JWT"
    if _ULID.fullmatch(text):
        return "ULID"
    if looks_random(text.removeprefix("W/").strip('"')):
        return "random token"
    return None


def looks_random(text: str) -> bool:
    """Whether ``text`` looks like a generated token (hex digest, base64 secret, nonce).

    It must be long, use token characters only, mix letters and digits, switch between
    letters and digits (or letter cases) often, and carry enough entropy: words,
    identifiers such as ``customer_account_2`` and camelCase names fail at least one.
    """
    if len(text) < MIN_TOKEN_LENGTH or len(text) > 1024 or not _TOKEN_CHARS.fullmatch(text):
        return False
    if not (any(c.isdigit() for c in text) and any(c.isalpha() for c in text)):
        return False
    classes = [_char_class(c) for c in text if c.isalnum()]
    switches = sum(1 for a, b in itertools.pairwise(classes) if a != b)
    if switches < len(classes) / 4:
        return False
    return entropy(text) >= MIN_TOKEN_ENTROPY


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in Counter(text).values())


def with_article(kind: str) -> str:
    """``kind`` as a phrase: 'an RFC 3339 time', 'a UUID'."""
    # Initialisms read letter by letter: "an RFC", "an HTTP", but "a UUID".
    return f"{'an' if kind[:1] in 'AEFHILMNORSX' and kind[:2].isupper() else 'a'} {kind}"


def is_noisy_header(name: str) -> bool:
    """Whether header ``name`` (any case) changes by design between responses."""
    return name.lower() in NOISY_HEADERS


def _char_class(char: str) -> int:
    if char.isdigit():
        return 0
    return 1 if char.islower() else 2
