"""Which documented operation a request went to: ``/pets/42`` and ``/pets/{{petId}}``
both reach the template ``/pets/{petId}``; a literal template (``/pets/mine``) wins
over a parameter in the same place, as routers do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_PARAM = re.compile(r"{[^{}/]+}")
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")


@dataclass(frozen=True)
class _Template:
    key: tuple[str, str]  # (METHOD, documented path)
    position: int
    segments: tuple[str | re.Pattern[str], ...]  # literal text, or a pattern for {params}


def _compile(segment: str) -> str | re.Pattern[str]:
    if "{" not in segment:
        return segment
    parts = _PARAM.split(segment)
    return re.compile("[^/]+".join(re.escape(p) for p in parts))


def _split(path: str) -> tuple[str, ...]:
    path = path.split("#", 1)[0].split("?", 1)[0]
    if path != "/":
        path = path.rstrip("/")
    return tuple(path.split("/")[1:]) if path.startswith("/") else tuple(path.split("/"))


class PathMatcher:
    """Matches (method, path) to documented (METHOD, template) keys."""

    def __init__(self, operations: Iterable[tuple[str, str]], base_path: str = "") -> None:
        self.base_path = base_path.rstrip("/")
        self._by_shape: dict[tuple[str, int], list[_Template]] = {}
        for position, (method, path) in enumerate(operations):
            segments = tuple(_compile(s) for s in _split(path))
            template = _Template((method.upper(), path), position, segments)
            self._by_shape.setdefault((method.upper(), len(segments)), []).append(template)

    def match(self, method: str, path: str) -> tuple[str, str] | None:
        """The documented key ``path`` falls under, or None. ``path`` may be absolute, carry
        a query string, ``{{var}}`` placeholders or the server's base path."""
        if "://" in path:
            parts = urlsplit(path)
            path = parts.path or "/"
        found = self._match(method.upper(), path)
        if found is None and self.base_path and path.startswith(self.base_path + "/"):
            found = self._match(method.upper(), path[len(self.base_path) :])
        return found

    def _match(self, method: str, path: str) -> tuple[str, str] | None:
        observed = _split(path)
        best: tuple[int, int, tuple[str, str]] | None = None
        for template in self._by_shape.get((method, len(observed)), []):
            score = _score(template.segments, observed)
            if score is None:
                continue
            rank = (score, -template.position, template.key)
            if best is None or rank[:2] > best[:2]:
                best = rank
        return best[2] if best else None


def _score(template: tuple[str | re.Pattern[str], ...], observed: tuple[str, ...]) -> int | None:
    """How many literal segments matched literally; None when the path does not fit."""
    literal = 0
    for want, got in zip(template, observed, strict=True):
        placeholder = _PLACEHOLDER.fullmatch(got) is not None
        if isinstance(want, str):
            if placeholder or (unquote(got) != want and got != want):
                return None
            literal += 1
        elif not got or not (placeholder or want.fullmatch(unquote(got)) or want.fullmatch(got)):
            return None
    return literal
