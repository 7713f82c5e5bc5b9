"""Widening a JSON Schema just enough for one observed document to conform.

Each violation is fixed at the keyword that reported it, by the smallest change that
admits the observed value: a type gains the observed type, a bound moves to the observed
value, an enum gains the observed member, a property no longer present leaves
``required``, an unexpected property gets a type-only schema of its own, a pattern also
accepts the exact observed text. Everything else the schema says stays. Keywords with no
such small change (``not``, ``multipleOf``, ``$ref``, conditionals) make the widening
refuse rather than guess; :func:`accepts_anything` lets the caller refuse a result that
would no longer check anything. A schema that cannot be applied at all (a reference
leaving it, a regex that times out) is refused with that reason.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError

from runner import (
    RegexRefused,
    RegexTimeout,
    check_regex,
    format_parts,
    json_type,
    regex_search,
    schema_validator,
    unusable_schema_reason,
)

Parts = tuple[str | int, ...]
Covered = Callable[[Parts], bool]
# One violation is fixed per round; a schema needing more fixes than this is refused.
MAX_FIXES = 200
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
    }
)
_ALL_TYPES = frozenset({"string", "number", "boolean", "object", "array", "null"})
_LENGTHS = {
    "minLength": len,
    "maxLength": len,
    "minItems": len,
    "maxItems": len,
    "minProperties": len,
    "maxProperties": len,
}


class CannotWiden(Exception):
    """The violation has no small, safe widening; the message says which and where."""


@dataclass
class Widening:
    """The widened schema and one note per change, e.g. ``$.age: type … → …``."""

    schema: Any
    notes: list[str] = field(default_factory=list)


def widen(schema: Any, document: Any, covered: Covered = lambda _: False) -> Widening:
    """``schema`` widened so that ``document`` conforms (violations at places ``covered``
    says are noise are ignored). ``schema`` itself is not modified.

    Raises :class:`CannotWiden` when a violation has no safe fix.
    """
    current = copy.deepcopy(schema)
    notes: list[str] = []
    for _ in range(MAX_FIXES):
        error = _first_error(current, document, covered)
        if error is None:
            return Widening(current, notes)
        notes.append(_fix(current, error, covered))
    raise CannotWiden(f"more than {MAX_FIXES} changes would be needed")


def accepts_anything(schema: Any) -> bool:
    """Whether ``schema`` (at its root) admits every JSON document."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict):
        return False
    rest = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    if not rest:
        return True
    types = rest.pop("type", None)
    if rest or types is None:
        return False
    listed = set(types if isinstance(types, list) else [types])
    if "integer" in listed:
        listed.add("number")
    return listed >= _ALL_TYPES


def infer(value: Any) -> dict[str, Any]:
    """A type-only schema for ``value`` (``integer`` for whole numbers)."""
    return {"type": json_type(value)}


def _first_error(schema: Any, document: Any, covered: Covered) -> ValidationError | None:
    try:
        for error in schema_validator(schema).iter_errors(document):
            if not covered(tuple(error.absolute_path)):
                return error
    except Exception as exc:
        why = unusable_schema_reason(exc)
        if why is None:
            raise
        raise CannotWiden(f"the schema cannot be applied: {why}") from None
    return None


def _is_valid(schema: Any, value: Any) -> bool:
    return _first_error(schema, value, lambda _: False) is None


def _fix(root: Any, error: ValidationError, covered: Covered) -> str:
    where = format_parts(tuple(error.absolute_path))
    keyword = error.validator
    node = _node(root, list(error.schema_path)[:-1], keyword, where)
    value: Any = error.instance
    old: Any = copy.deepcopy(node.get(keyword)) if isinstance(keyword, str) else None
    if keyword == "type":
        types = old if isinstance(old, list) else [old]
        node["type"] = [*types, json_type(value)]
    elif keyword == "required":
        missing = [name for name in old if isinstance(value, dict) and name not in value]
        kept = [name for name in old if name not in missing]
        if kept:
            node["required"] = kept
        else:
            del node["required"]
        return f"{where}: no longer requires {', '.join(map(repr, missing))} (absent)"
    elif keyword in ("additionalProperties", "unevaluatedProperties") and old is False:
        extra = _unexpected(node, value)
        properties = node.setdefault("properties", {})
        for name in extra:
            properties[name] = infer(value[name])
        return f"{where}: new properties {', '.join(map(repr, extra))} admitted"
    elif keyword == "enum":
        node["enum"] = [*old, value]
    elif keyword == "const":
        del node["const"]
        node["enum"] = [old, value]
        return f"{where}: const {old!r} → enum {node['enum']!r}"
    elif keyword in ("minimum", "maximum"):
        node[keyword] = value
    elif keyword in ("exclusiveMinimum", "exclusiveMaximum"):
        del node[keyword]
        node[keyword.replace("exclusiveM", "m")] = value
        return f"{where}: {keyword} {old!r} → {keyword.replace('exclusiveM', 'm')} {value!r}"
    elif keyword in _LENGTHS:
        node[keyword] = _LENGTHS[keyword](value)
    elif keyword == "pattern":
        node["pattern"] = f"(?:{old})|^{re.escape(value)}$"
        try:
            check_regex(node["pattern"])
        except RegexRefused as exc:
            raise CannotWiden(f"{where}: the pattern cannot admit {value!r}: {exc}") from None
    elif keyword == "uniqueItems":
        node["uniqueItems"] = False
    elif keyword in ("anyOf", "oneOf"):
        return _widen_branches(node, keyword, value, where)
    else:
        raise CannotWiden(f"{where}: '{keyword}' cannot be widened safely")
    return f"{where}: {keyword} {old!r} → {node[keyword]!r}"


def _node(root: Any, path: list[Any], keyword: Any, where: str) -> dict[str, Any]:
    node = root
    for step in path:
        if step in ("$ref", "$dynamicRef"):
            raise CannotWiden(f"{where}: the schema uses {step}; widen the referenced schema")
        node = node[step]
    if not isinstance(node, dict) or not isinstance(keyword, str):
        raise CannotWiden(f"{where}: a false schema rejects every value here")
    if keyword not in node:
        # jsonschema leaves '$ref' out of the schema path of errors found through one.
        raise CannotWiden(f"{where}: '{keyword}' comes from a schema that uses $ref")
    return node


def _type_fits(schema: Any, value: Any) -> bool:
    if not isinstance(schema, dict) or "type" not in schema:
        return True
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    kind = json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def _unexpected(node: dict[str, Any], value: Any) -> list[str]:
    known = node.get("properties", {})
    patterns = list(node.get("patternProperties", {}))
    try:
        return [
            name
            for name in value
            if name not in known and not any(regex_search(p, name) for p in patterns)
        ]
    except (RegexTimeout, RegexRefused) as exc:
        raise CannotWiden(f"patternProperties cannot be applied: {exc}") from None


def _widen_branches(node: dict[str, Any], keyword: str, value: Any, where: str) -> str:
    branches = node[keyword]
    matching = [b for b in branches if _is_valid(b, value)]
    if matching:
        raise CannotWiden(f"{where}: the value matches several oneOf branches")
    # Prefer widening the branch that needs the fewest changes; a new type-only branch
    # is the fallback when no branch can be widened.
    # Branches of the value's own type come first: a string branch that would also admit
    # objects is a bigger change than an object branch with one required field fewer.
    same_type = [i for i, b in enumerate(branches) if _type_fits(b, value)]
    best: tuple[int, int, Widening] | None = None
    for index in same_type or range(len(branches)):
        branch = branches[index]
        try:
            widened = widen(branch, value)
        except CannotWiden:
            continue
        if best is None or len(widened.notes) < len(best[2].notes):
            best = (index, len(widened.notes), widened)
    if best is None:
        branches.append(infer(value))
        return f"{where}: {keyword} gains a branch {infer(value)!r}"
    index, _, widened = best
    branches[index] = widened.schema
    return f"{where}: {keyword} branch {index} widened ({'; '.join(widened.notes)})"
