"""A small, strict JSONPath subset used by assertions, extractions and noise.

Supported: ``$`` (the whole document), ``.name``, ``['name']`` / ``["name"]``,
``[3]`` (index, negative counts from the end) and ``[*]`` / ``.*`` (every element).
That covers what suites need; filters and recursive descent are deliberately out:
a path must point at places a reviewer can see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"[A-Za-z_$@\-][\w$@\-]*")
_WILDCARD = "*"


class JsonPathError(ValueError):
    """The path text is not in the supported subset."""


@dataclass(frozen=True)
class JsonPath:
    """A parsed path: a tuple of keys (str), indexes (int) and wildcards ('*')."""

    text: str
    parts: tuple[str | int, ...]

    @property
    def is_wildcard(self) -> bool:
        return _WILDCARD in self.parts

    def find(self, document: Any) -> list[Any]:
        """Every value the path selects in ``document`` (empty when none)."""
        return [value for _, value in self._walk(document, 0, ())]

    def find_with_paths(self, document: Any) -> list[tuple[tuple[str | int, ...], Any]]:
        """Like :meth:`find`, with the concrete parts of each match."""
        return list(self._walk(document, 0, ()))

    def first(self, document: Any) -> tuple[bool, Any]:
        """``(found, value)`` of the first match."""
        for _, value in self._walk(document, 0, ()):
            return True, value
        return False, None

    def _walk(
        self, node: Any, i: int, trail: tuple[str | int, ...]
    ) -> Iterator[tuple[tuple[str | int, ...], Any]]:
        if i == len(self.parts):
            yield trail, node
            return
        part = self.parts[i]
        if part == _WILDCARD:
            if isinstance(node, list):
                for idx, child in enumerate(node):
                    yield from self._walk(child, i + 1, (*trail, idx))
            elif isinstance(node, dict):
                for key, child in node.items():
                    yield from self._walk(child, i + 1, (*trail, key))
            return
        if isinstance(part, int):
            if isinstance(node, list) and -len(node) <= part < len(node):
                real = part if part >= 0 else len(node) + part
                yield from self._walk(node[real], i + 1, (*trail, real))
            return
        if isinstance(node, dict) and part in node:
            yield from self._walk(node[part], i + 1, (*trail, part))


def format_parts(parts: tuple[str | int, ...]) -> str:
    """The canonical text of concrete parts, e.g. ``$.items[0].id``."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _NAME.fullmatch(part) and part != _WILDCARD:
            out.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


def parse(text: str) -> JsonPath:
    """Parse ``text``; raises :class:`JsonPathError` with the position at fault."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise JsonPathError("a JSON path starts with '$'")
    parts: list[str | int] = []
    i, n = 1, len(text)
    while i < n:
        ch = text[i]
        if ch == ".":
            i += 1
            if i < n and text[i] == "*":
                parts.append(_WILDCARD)
                i += 1
                continue
            m = _NAME.match(text, i)
            if not m:
                raise JsonPathError(f"expected a name after '.' at position {i}")
            parts.append(m.group())
            i = m.end()
        elif ch == "[":
            end, part = _parse_bracket(text, i)
            parts.append(part)
            i = end
        else:
            raise JsonPathError(f"unexpected {ch!r} at position {i}")
    return JsonPath(text=text, parts=tuple(parts))


def _parse_bracket(text: str, i: int) -> tuple[int, str | int]:
    n = len(text)
    j = i + 1
    if j < n and text[j] in "'\"":
        quote = text[j]
        j += 1
        buf: list[str] = []
        while j < n and text[j] != quote:
            if text[j] == "\\" and j + 1 < n:
                j += 1
            buf.append(text[j])
            j += 1
        if j + 1 >= n or text[j + 1] != "]":
            raise JsonPathError(f"unterminated quoted name at position {i}")
        return j + 2, "".join(buf)
    close = text.find("]", j)
    if close < 0:
        raise JsonPathError(f"unterminated '[' at position {i}")
    inner = text[j:close].strip()
    if inner == "*":
        return close + 1, _WILDCARD
    try:
        return close + 1, int(inner)
    except ValueError:
        raise JsonPathError(f"expected an index, '*' or a quoted name at position {i}") from None
