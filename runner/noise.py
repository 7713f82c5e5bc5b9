"""Noise: the parts of a response that vary between identical requests (timestamps,
generated ids, tokens) and are therefore ignored when comparing.

A step lists noise as JSON paths (``$.createdAt``, ``$.items[*].id``) and
``header:<name>`` entries. A path is noise when it is a noise path or lies beneath one;
a ``*`` in a noise path covers every key or index at that place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from runner import jsonpath

Parts = tuple[str | int, ...]
_HEADER = "header:"


@dataclass(frozen=True)
class Noise:
    """Parsed noise entries of one step."""

    paths: tuple[Parts, ...] = ()
    headers: frozenset[str] = frozenset()

    def covers(self, parts: Parts) -> bool:
        """Whether the concrete or wildcard path ``parts`` is noise."""
        return any(_under(parts, noise) for noise in self.paths)

    def covers_header(self, name: str) -> bool:
        """Whether the header ``name`` (any case) is noise."""
        return name.lower() in self.headers

    def strip(self, value: Any, at: Parts = ()) -> Any:
        """``value`` (found at ``at``) without the members that are noise, for comparing."""
        if not self.paths:
            return value
        if isinstance(value, dict):
            return {
                key: self.strip(item, (*at, key))
                for key, item in value.items()
                if not self.covers((*at, key))
            }
        if isinstance(value, list):
            return [
                self.strip(item, (*at, index))
                for index, item in enumerate(value)
                if not self.covers((*at, index))
            ]
        return value


def _under(parts: Parts, noise: Parts) -> bool:
    if len(parts) < len(noise):
        return False
    # A '*' in the noise covers anything; a '*' in the checked path is only covered by a
    # '*' (it stands for every element, not just the one the noise names).
    return all(n == "*" or n == p for n, p in zip(noise, parts, strict=False))


@lru_cache(maxsize=512)
def _parse(entries: tuple[str, ...]) -> Noise:
    paths: list[Parts] = []
    headers: set[str] = set()
    for entry in entries:
        if entry.lower().startswith(_HEADER):
            headers.add(entry[len(_HEADER) :].strip().lower())
        else:
            try:
                paths.append(jsonpath.parse(entry).parts)
            except jsonpath.JsonPathError:
                continue  # rejected when the suite was saved; never fail a run over it
    return Noise(paths=tuple(paths), headers=frozenset(headers))


def parse_noise(entries: Sequence[str] | Noise) -> Noise:
    """Parse a step's noise list (cached: the same list is parsed once)."""
    if isinstance(entries, Noise):
        return entries
    return _parse(tuple(entries))
