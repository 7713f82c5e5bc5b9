"""Scalar values from flat schemas: integers and numbers within their bounds, strings
by pattern, format and length. Every choice comes from the caller's ``random.Random``."""

from __future__ import annotations

import base64
import random
import re
import uuid
from typing import Any

from actors.generate._coerce import as_int, as_number
from actors.generate.regex import RegexUnsupported, string_matching


def word(name: str) -> str:
    """A readable stem from a property name: ``pet_name`` → ``pet-name``."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return stem[:24] or "value"


def _bounds(flat: dict[str, Any], integer: bool) -> tuple[float, float]:
    low, high = flat.get("minimum"), flat.get("maximum")
    step = 1 if integer else 0.01
    for key, sign in (("exclusiveMinimum", 1), ("exclusiveMaximum", -1)):
        value = flat.get(key)
        if value is True:
            if sign > 0 and isinstance(low, int | float):
                low = low + step
            elif sign < 0 and isinstance(high, int | float):
                high = high - step
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if sign > 0:
                low = value + step
            else:
                high = value - step
    lo, hi = as_number(low), as_number(high)
    if lo is None and hi is None:
        return 1, 100  # small positive numbers suit ids, counts and page sizes alike
    if lo is None:
        assert hi is not None
        return (1 if hi >= 1 else hi - 100), hi
    if hi is None:
        return lo, lo + 100
    return lo, max(lo, hi)


def integer(flat: dict[str, Any], rng: random.Random) -> int:
    low, high = _bounds(flat, integer=True)
    lo, hi = int(-(-low // 1)), int(high // 1)
    if hi < lo:
        hi = lo
    multiple = flat.get("multipleOf")
    if isinstance(multiple, int) and not isinstance(multiple, bool) and multiple > 0:
        first = -(-lo // multiple) * multiple
        if first <= hi:
            return first + multiple * rng.randint(0, min((hi - first) // multiple, 100))
    return rng.randint(lo, min(hi, lo + 10_000))


def number(flat: dict[str, Any], rng: random.Random) -> float | int:
    if isinstance(flat.get("multipleOf"), int):
        return integer(flat, rng)
    low, high = _bounds(flat, integer=False)
    value = round(rng.uniform(low, high), 2)
    return min(max(value, low), high)


def string(flat: dict[str, Any], rng: random.Random, name: str) -> str:
    low = as_int(flat.get("minLength")) or 0
    high = as_int(flat.get("maxLength"))
    pattern = flat.get("pattern")
    if isinstance(pattern, str):
        for _ in range(3):
            try:
                text = string_matching(pattern, rng)
            except RegexUnsupported:
                break
            if len(text) >= low and (high is None or len(text) <= high):
                return text
    fmt = flat.get("format")
    formatted = _formatted(fmt, rng, name) if isinstance(fmt, str) else None
    text = formatted if formatted is not None else f"{word(name)}-{rng.randint(100, 999)}"
    if len(text) < low:
        text += "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[: max(high, 0)]
    return text


def _formatted(fmt: str, rng: random.Random, name: str) -> str | None:
    n = rng.randint(1, 250)
    fmt = fmt.lower()
    if fmt == "date-time":
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    if fmt == "date":
        return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if fmt == "time":
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    if fmt in ("email", "idn-email"):
        return f"{word(name).replace('-', '.')}{n}@example.com"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference", "uri-template"):
        return f"https://example.com/{word(name)}/{n}"
    if fmt in ("hostname", "idn-hostname"):
        return f"host{n}.example.com"
    if fmt == "ipv4":
        return f"192.0.2.{n}"
    if fmt == "ipv6":
        return f"2001:db8::{n:x}"
    if fmt == "byte":
        return base64.b64encode(f"{word(name)}-{n}".encode()).decode()
    if fmt == "binary":
        return f"{word(name)} content {n}"
    if fmt == "password":
        return f"Secret-{n}-Pass!"
    if fmt == "duration":
        return f"P{rng.randint(1, 30)}D"
    if fmt in ("int32", "int64", "integer"):
        return str(n)
    if fmt in ("float", "double", "decimal", "number"):
        return f"{n}.5"
    if fmt == "json-pointer":
        return f"/{word(name)}/{n}"
    if fmt == "regex":
        return "^[a-z]+$"
    return None
