"""Keeping most of a schema check when the API contradicts part of its schema.

When an answer breaks its documented schema in one place (a property of another type
deep inside, a required property that is never sent), dropping the whole schema check
would also stop checking everything the API does get right. Instead each violation is
set aside where it is: a property that is never sent stops being required, and any
other violation's location becomes noise, which the schema check skips. Only when the
root itself is wrong (not even the documented type) is the check removed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from runner import format_parts, schema_validator, unusable_schema_reason

# More violations than this in one answer: the schema is not describing this API at all.
MAX_SET_ASIDE = 20


def narrow(schema: dict[str, Any], body: str) -> tuple[dict[str, Any], list[str]] | None:
    """``(schema without the requirements the body misses, noise paths for the other
    violations)`` such that ``body`` passes; None when that would leave nothing (a
    violation at the root, too many, or a body that is not JSON)."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    narrowed = copy.deepcopy(schema)
    noise: list[str] = []
    try:
        errors = list(schema_validator(schema).iter_errors(document))
    except Exception as exc:
        # A reference leaving the schema or a regex that timed out: nothing to narrow,
        # the check goes (the step's reason already says why it could not be applied).
        if unusable_schema_reason(exc) is None:
            raise
        return None
    if not errors or len(errors) > MAX_SET_ASIDE:
        return None
    for error in errors:
        if error.validator == "required" and isinstance(error.instance, dict):
            node: Any = narrowed
            for part in error.absolute_schema_path:
                node = node[part]
            # ``node`` is the required list of the schema object that failed.
            if isinstance(node, list):
                node[:] = [name for name in node if name in error.instance]
            continue
        if not error.absolute_path:
            return None
        path = format_parts(tuple(error.absolute_path))
        if path not in noise:
            noise.append(path)
    return narrowed, noise
