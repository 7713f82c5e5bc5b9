"""``{{name}}`` templating of step requests.

A string that is exactly one placeholder becomes the variable's raw value, so
``{"id": "{{petId}}"}`` sends the number 7, not the string "7". Any other string is
interpolated. Built-ins starting with ``$`` produce fresh unique data on every use.
Pure: no I/O, safe to call from Locust users and worker threads alike.
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

# Names may carry dots (dotted access, or extraction names such as "pet.id") and dashes.
_PLACEHOLDER = re.compile(r"\{\{\s*(\$?[A-Za-z_][\w.\-]*)\s*\}\}")
# Wide enough that two runs of a suite practically never collide on "unique" data.
RANDOM_INT_MAX = 999_999_999


class TemplateError(ValueError):
    """A placeholder could not be resolved. ``name`` is the placeholder at fault."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


BUILTINS: dict[str, Callable[[], Any]] = {
    "$uuid": lambda: str(uuid.uuid4()),
    "$timestamp": lambda: int(time.time()),
    "$isoTimestamp": _iso_now,
    "$randomInt": lambda: random.randint(0, RANDOM_INT_MAX),
}


def render(value: Any, variables: Mapping[str, Any]) -> Any:
    """Return ``value`` with every placeholder resolved from ``variables``.

    Recurses into dicts (keys and values) and lists; other types are returned as is.
    Raises :class:`TemplateError` naming the first unknown variable.
    """
    if isinstance(value, str):
        return _render_str(value, variables)
    if isinstance(value, dict):
        return {_render_key(key, variables): render(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, variables) for item in value]
    return value


def placeholders(value: Any) -> set[str]:
    """Every variable name referenced in ``value`` (built-ins excluded)."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(m.group(1) for m in _PLACEHOLDER.finditer(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= placeholders(key) | placeholders(item)
    elif isinstance(value, list):
        for item in value:
            found |= placeholders(item)
    return {name for name in found if not name.startswith("$")}


def has_placeholder(text: str) -> bool:
    """Whether ``text`` holds at least one placeholder."""
    return _PLACEHOLDER.search(text) is not None


def lookup(name: str, variables: Mapping[str, Any]) -> Any:
    """The value of ``name``: a built-in, a variable, or dotted access into one.

    A variable whose own name contains a dot wins over dotted access. Raises
    :class:`TemplateError` when nothing matches.
    """
    if name.startswith("$"):
        builtin = BUILTINS.get(name)
        if builtin is None:
            known = ", ".join(sorted(BUILTINS))
            raise TemplateError(name, f"unknown built-in {name!r} (known: {known})")
        return builtin()
    if name in variables:
        return variables[name]
    root, *fields = name.split(".")
    if not fields or root not in variables:
        raise TemplateError(name, f"unknown variable {name!r}")
    node = variables[root]
    walked = root
    for field in fields:
        node = _child(node, field, walked, name)
        walked = f"{walked}.{field}"
    return node


def _child(node: Any, field: str, walked: str, name: str) -> Any:
    if isinstance(node, Mapping) and field in node:
        return node[field]
    if isinstance(node, list) and field.lstrip("-").isdigit():
        index = int(field)
        if -len(node) <= index < len(node):
            return node[index]
    raise TemplateError(name, f"variable {walked!r} has no field {field!r} (in {name!r})")


def _render_str(text: str, variables: Mapping[str, Any]) -> Any:
    whole = _PLACEHOLDER.fullmatch(text)
    if whole:
        return lookup(whole.group(1), variables)
    if "{{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: to_text(lookup(m.group(1), variables)), text)


def _render_key(key: Any, variables: Mapping[str, Any]) -> Any:
    if not isinstance(key, str):
        return key
    rendered = _render_str(key, variables)
    return rendered if isinstance(rendered, str) else to_text(rendered)


def to_text(value: Any) -> str:
    """How a value reads when interpolated into text: strings as is, the rest as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
