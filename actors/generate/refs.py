"""Local ``$ref`` resolution.

Only references inside the document (``#/...``) are followed: a generator that fetched
other files or URLs named by an untrusted document would be a server-side request
forgery. Anything else raises :class:`RefError`, which the generator turns into a skip
with the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

# A $ref pointing at a $ref pointing at... Real documents chain two or three; a longer
# chain is a loop or an attack.
MAX_REF_CHAIN = 32


class RefError(Exception):
    """A ``$ref`` that cannot be followed; ``str(error)`` is a one-line reason."""


def is_ref(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


class Resolver:
    """Follows local JSON pointers in one document, caching each pointer's target."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._cache: dict[str, Any] = {}

    def lookup(self, ref: str) -> Any:
        """The node ``ref`` points at (not itself dereferenced). Raises :class:`RefError`."""
        if ref in self._cache:
            return self._cache[ref]
        if not ref.startswith("#"):
            raise RefError(f"external $ref {ref!r} is not followed (only '#/...' references)")
        pointer = unquote(ref[1:])
        node: Any = self.document
        if pointer:
            if not pointer.startswith("/"):
                raise RefError(f"$ref {ref!r} is not a JSON pointer")
            for raw in pointer[1:].split("/"):
                part = raw.replace("~1", "/").replace("~0", "~")
                if isinstance(node, dict) and part in node:
                    node = node[part]
                elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                else:
                    raise RefError(f"$ref {ref!r} points at nothing")
        self._cache[ref] = node
        return node

    def deref(self, node: Any) -> Any:
        """``node`` with any chain of ``$ref`` followed to a non-reference.

        Raises :class:`RefError` on a missing target, an external reference or a loop.
        """
        return self.deref_named(node)[0] if is_ref(node) else node

    def deref_named(self, node: Any) -> tuple[Any, str | None]:
        """Like :meth:`deref`, also giving the last reference followed (None if none):
        the name a schema is known by, for discriminators and cycle detection."""
        last: str | None = None
        seen: list[str] = []
        while is_ref(node):
            ref = node["$ref"]
            if ref in seen or len(seen) >= MAX_REF_CHAIN:
                raise RefError(f"$ref {ref!r} refers to itself")
            seen.append(ref)
            last = ref
            node = self.lookup(ref)
        return node, last


def ref_name(ref: str) -> str:
    """The last segment of a reference: ``#/components/schemas/Pet`` → ``Pet``."""
    return unquote(ref.rsplit("/", 1)[-1]).replace("~1", "/").replace("~0", "~")
