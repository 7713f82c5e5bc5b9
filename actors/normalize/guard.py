"""The last word before a suite changes: refuse any new expectation or noise entry that
would leave a check meaningless.

Normalization proposes changes from observations; this module judges the result on its
own, whatever produced it, so that a bug or an odd observation upstream cannot silently
turn a real check into one that always passes.
"""

from __future__ import annotations

import json
from typing import Any

from actors.normalize.changes import AnyAssertion
from actors.normalize.schema_widen import accepts_anything
from runner import (
    MASK,
    BodyAssertion,
    HeaderAssertion,
    JsonPathAssertion,
    JsonPathError,
    Noise,
    RegexRefused,
    RegexTimeout,
    SchemaAssertion,
    StatusCodeAssertion,
    parse_json_path,
    regex_search,
)

# A list of allowed values longer than this is a value that changes, not a set of options.
MAX_IN_OPTIONS = 20
# Expected values are stored in the suite; beyond this many characters of JSON they make
# a suite unreadable and usually mean the whole body was inlined.
MAX_EXPECTED_CHARS = 16_000
_VALUE_OPS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "contains", "in", "matches"})
_STATUS_CLASSES = frozenset({"1", "2", "3", "4", "5"})
_WHOLE_BODY = frozenset({(), ("*",)})
# Texts unlike each other: a pattern that finds all of them matches anything.
_PROBES = ("", "a", "Z9", " \n", "{}", "-1.5")


def refusal(old: AnyAssertion, new: AnyAssertion, noise: Noise) -> str | None:
    """Why replacing ``old`` by ``new`` would weaken the suite silently, or None if not.

    ``noise`` is the step's noise after normalization: trading a value check for a
    presence check is allowed only on a target that is noise.
    """
    if isinstance(new, StatusCodeAssertion):
        return _status_refusal(new)
    if isinstance(new, SchemaAssertion):
        if accepts_anything(new.schema_):
            return "the widened schema would accept any document"
        return None
    if isinstance(new, HeaderAssertion | JsonPathAssertion | BodyAssertion):
        return _value_refusal(old, new, noise)
    return None


def noise_refusal(entry: str) -> str | None:
    """Why a noise entry must not be added (it would ignore the whole body), or None."""
    if entry.lower().startswith("header:"):
        return None
    try:
        parts = parse_json_path(entry).parts
    except JsonPathError as exc:
        return f"not a valid JSON path: {exc}"
    if parts in _WHOLE_BODY:
        return "the whole body varies between identical calls; marking it as noise would ignore it"
    return None


def _status_refusal(new: StatusCodeAssertion) -> str | None:
    options = new.expected if isinstance(new.expected, list) else [new.expected]
    classes = {str(o)[0] for o in options}
    if classes >= _STATUS_CLASSES:
        return "the status expectation would accept any status"
    return None


def _value_refusal(old: AnyAssertion, new: AnyAssertion, noise: Noise) -> str | None:
    assert isinstance(new, HeaderAssertion | JsonPathAssertion | BodyAssertion)
    old_op = getattr(old, "op", None)
    if new.op == "exists" and old_op in _VALUE_OPS and not _is_noise(new, noise):
        return f"'{old_op}' would become 'exists' on a target that is not noise"
    if new.op == "matches" and isinstance(new.expected, str):
        why = _pattern_refusal(new.expected)
        if why:
            return why
    if new.op == "in" and isinstance(new.expected, list) and len(new.expected) > MAX_IN_OPTIONS:
        return f"more than {MAX_IN_OPTIONS} allowed values: the value changes, it is no option list"
    if new.op in _VALUE_OPS:
        text = json.dumps(new.expected, ensure_ascii=False, default=str)
        if MASK in text:
            return "the observed value holds a masked secret"
        if len(text) > MAX_EXPECTED_CHARS:
            return f"the observed value is too large to inline ({len(text)} characters)"
    return None


def _is_noise(assertion: Any, noise: Noise) -> bool:
    if isinstance(assertion, HeaderAssertion):
        return noise.covers_header(assertion.name)
    if isinstance(assertion, JsonPathAssertion):
        return noise.covers(parse_json_path(assertion.path).parts)
    return False


def _pattern_refusal(pattern: str) -> str | None:
    try:
        if all(regex_search(pattern, probe) for probe in _PROBES):
            return f"the pattern /{pattern}/ matches any text"
    except RegexTimeout as exc:
        return str(exc)
    except RegexRefused:
        return None  # the suite's own validation names the fault
    return None
