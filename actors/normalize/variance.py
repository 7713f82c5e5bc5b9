"""What differs between responses to identical requests: the JSON paths and headers
that vary on their own, and are therefore noise.

Paths are reported generalised (every array index becomes ``[*]``): a timestamp that
varies in the first item of a list varies in the others too, and the noise entry then
keeps working when the list grows or shrinks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runner import format_parts, json_equal

Parts = tuple[str | int, ...]
WILDCARD = "*"


def varying_parts(documents: Sequence[Any]) -> set[Parts]:
    """The places where ``documents`` (decoded JSON) disagree, as concrete parts.

    Objects are compared key by key (a key missing from some documents varies), arrays
    of equal length item by item (arrays whose length differs vary as a whole), and
    anything else by JSON equality.
    """
    found: set[Parts] = set()
    if len(documents) >= 2:
        _walk(list(documents), (), found)
    return found


def _walk(values: list[Any], at: Parts, found: set[Parts]) -> None:
    first = values[0]
    if all(isinstance(v, dict) for v in values):
        keys = dict.fromkeys(k for v in values for k in v)
        for key in keys:
            if all(key in v for v in values):
                _walk([v[key] for v in values], (*at, key), found)
            else:
                found.add((*at, key))
        return
    if all(isinstance(v, list) for v in values):
        if len({len(v) for v in values}) > 1:
            found.add(at)
            return
        for index in range(len(first)):
            _walk([v[index] for v in values], (*at, index), found)
        return
    if not all(json_equal(first, v) for v in values[1:]):
        found.add(at)


def generalise(parts: Parts) -> Parts:
    """``parts`` with every array index replaced by the wildcard."""
    return tuple(WILDCARD if isinstance(p, int) else p for p in parts)


def noise_paths(parts: set[Parts]) -> list[str]:
    """Generalised, de-duplicated path texts, leaving out paths beneath another one."""
    general = sorted({generalise(p) for p in parts}, key=lambda p: (len(p), [str(x) for x in p]))
    kept: list[Parts] = []
    for candidate in general:
        if not any(candidate[: len(k)] == k for k in kept):
            kept.append(candidate)
    return [format_parts(p).replace("['*']", "[*]") for p in kept]


def varying_headers(samples: Sequence[Mapping[str, str]]) -> set[str]:
    """Lower-case names of the headers whose value (or presence) differs between samples."""
    if len(samples) < 2:
        return set()
    lowered = [{k.lower(): v for k, v in s.items()} for s in samples]
    names = {name for s in lowered for name in s}
    return {name for name in names if len({s.get(name) for s in lowered}) > 1}
