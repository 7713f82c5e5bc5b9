"""The operators of the suite format, applied to one value, with JSON semantics.

JSON semantics means: ``true`` is a boolean and never equals ``1``; ``1`` equals ``1.0``;
``integer`` is a whole number (``1.0`` counts, as in JSON Schema) and ``number`` is any
number. Values read from text (headers, raw bodies) are strings, so for them numeric
operators and ``eq`` against a number parse the text first.

Each check returns ``None`` when it holds, else the failure phrase without the subject
("expected 'rex', got 'max'") so callers can prefix the path or header at fault.
"""

from __future__ import annotations

import json
import math
from typing import Any

from runner import bounded_regex

_SYMBOLS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
# Long values are cut in reasons: a reason is a sentence, not a dump.
SHOW_LIMIT = 80


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value (``integer`` for whole numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def is_number(value: Any) -> bool:
    """A JSON number: int or float, never a boolean, never NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not (isinstance(value, float) and math.isnan(value))


def json_equal(left: Any, right: Any) -> bool:
    """Deep equality as JSON sees it (``True != 1``, ``1 == 1.0``)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    return type(left) is type(right) and bool(left == right)


def show(value: Any) -> str:
    """A short, readable rendering: strings quoted, the rest as JSON."""
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
        except ValueError:
            text = repr(value)
    return text if len(text) <= SHOW_LIMIT else text[: SHOW_LIMIT - 1] + "…"


def check(op: str, actual: Any, expected: Any, *, from_text: bool = False) -> str | None:
    """Apply ``op`` to a present value. ``None`` when it holds, else why not.

    ``exists``/``not_exists`` are about presence and are decided by the caller; here a
    present value trivially exists.
    """
    if op == "exists":
        return None
    if op == "not_exists":
        return f"expected to be absent, got {show(actual)}"
    if op in ("eq", "ne"):
        equal = _text_equal(actual, expected) if from_text else json_equal(actual, expected)
        if op == "eq":
            return None if equal else f"expected {show(expected)}, got {show(actual)}"
        return None if not equal else f"expected anything but {show(expected)}, got it"
    if op in _SYMBOLS:
        return _order(op, actual, expected, from_text)
    if op in ("contains", "not_contains"):
        return _containment(op, actual, expected)
    if op == "matches":
        return _matches(actual, expected)
    if op == "type":
        got = json_type(actual)
        ok = got == expected or (expected == "number" and got == "integer")
        return None if ok else f"expected type {expected}, got {got} ({show(actual)})"
    if op == "in":
        options = expected if isinstance(expected, list) else [expected]
        if from_text:
            ok = any(_text_equal(actual, option) for option in options)
        else:
            ok = any(json_equal(actual, option) for option in options)
        return None if ok else f"expected one of {show(options)}, got {show(actual)}"
    return f"unknown operator {op!r}"


def _text_equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) or not isinstance(actual, str):
        return json_equal(actual, expected)
    number = _parse_number(actual)
    if is_number(expected) and number is not None:
        return bool(number == expected)
    return actual.strip() == show_plain(expected)


def show_plain(value: Any) -> str:
    """How a non-string expected value is written in text (``true``, ``12``, ``null``)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _parse_number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _order(op: str, actual: Any, expected: Any, from_text: bool) -> str | None:
    symbol = _SYMBOLS[op]
    value = actual
    if from_text and isinstance(actual, str):
        value = _parse_number(actual)
    if not is_number(value):
        return f"expected a number {symbol} {show(expected)}, got {show(actual)}"
    holds = {
        "lt": value < expected,
        "lte": value <= expected,
        "gt": value > expected,
        "gte": value >= expected,
    }[op]
    return None if holds else f"expected {symbol} {show(expected)}, got {show(actual)}"


def contains(actual: Any, expected: Any) -> bool | None:
    """Whether ``actual`` contains ``expected``; ``None`` when ``actual`` cannot contain.

    Strings: substring (a non-string expected is compared as its JSON text). Lists: an
    element equal to ``expected``, or, for an object, an element holding all its fields.
    Objects: a key named ``expected``, or for an object every field of it.
    """
    if isinstance(actual, str):
        return show_plain(expected) in actual
    if isinstance(actual, list):
        return any(json_equal(item, expected) or _subset(expected, item) for item in actual)
    if isinstance(actual, dict):
        if isinstance(expected, dict):
            return _subset(expected, actual)
        return isinstance(expected, str) and expected in actual
    return None


def _subset(part: Any, whole: Any) -> bool:
    return (
        isinstance(part, dict)
        and isinstance(whole, dict)
        and all(key in whole and json_equal(whole[key], value) for key, value in part.items())
    )


def _containment(op: str, actual: Any, expected: Any) -> str | None:
    found = contains(actual, expected)
    if found is None:
        kind = json_type(actual)
        return f"expected a string, array or object, got {kind} ({show(actual)})"
    if op == "contains":
        return None if found else f"expected to contain {show(expected)}, got {show(actual)}"
    return None if not found else f"expected not to contain {show(expected)}, got {show(actual)}"


def _matches(actual: Any, expected: Any) -> str | None:
    # Numbers are matched as written so that `matches ^\d+$` works on numeric ids.
    if is_number(actual):
        subject = show_plain(actual)
    elif isinstance(actual, str):
        subject = actual
    else:
        return f"expected a string matching /{expected}/, got {json_type(actual)} ({show(actual)})"
    try:
        found = bounded_regex.search(expected, subject)
    except bounded_regex.RegexTimeout as exc:
        return f"{exc}, matching {show(actual)}"
    except bounded_regex.RegexRefused as exc:
        return f"invalid regular expression /{bounded_regex.shown(expected)}/: {exc}"
    if found:
        return None
    return f"expected to match /{expected}/, got {show(actual)}"
