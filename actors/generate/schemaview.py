"""A flat reading of one OpenAPI schema for value generation: references followed,
``allOf`` merged, the type made explicit. Both dialects (3.0 ``nullable``, 3.1 type
lists) read the same through it.
"""

from __future__ import annotations

from typing import Any

from actors.generate.refs import RefError, Resolver

_MAX_MERGE_DEPTH = 16
_LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")


class SchemaView:
    """Flattens schemas of one document; caches by reference."""

    def __init__(self, resolver: Resolver, *, is_31: bool) -> None:
        self.resolver = resolver
        self.is_31 = is_31
        self._cache: dict[str, tuple[dict[str, Any], str | None]] = {}

    def flat(self, schema: Any) -> tuple[dict[str, Any], str | None]:
        """``(flat schema, reference it was reached by)``; never mutate the result.

        Raises :class:`RefError` when ``schema`` is a reference that cannot be followed.
        """
        return self._flat(schema, (), 0)

    def _flat(
        self, schema: Any, stack: tuple[str, ...], depth: int
    ) -> tuple[dict[str, Any], str | None]:
        node, ref = self.resolver.deref_named(schema)
        if ref is not None:
            cached = self._cache.get(ref)
            if cached is not None:
                return cached
        if not isinstance(node, dict):
            return ({"not": {}} if node is False else {}), ref
        parts = node.get("allOf")
        if not isinstance(parts, list) or depth > _MAX_MERGE_DEPTH:
            result = (node, ref)
        else:
            merged = {k: v for k, v in node.items() if k != "allOf"}
            inner = (*stack, ref) if ref else stack
            for part in parts:
                if isinstance(part, dict) and part.get("$ref") in inner:
                    continue  # A schema that includes itself adds nothing new.
                try:
                    flat_part, _ = self._flat(part, inner, depth + 1)
                except RefError:
                    continue
                _merge(merged, flat_part)
            result = (merged, ref)
        if ref is not None:
            self._cache[ref] = result
        return result

    def types(self, flat: dict[str, Any]) -> list[str]:
        """The non-null JSON types a value may take, best first (``[]``: anything)."""
        kind = flat.get("type")
        if isinstance(kind, str):
            return [kind] if kind != "null" else []
        if isinstance(kind, list):
            return [k for k in kind if isinstance(k, str) and k != "null"]
        if isinstance(flat.get("properties"), dict) or "additionalProperties" in flat:
            return ["object"]
        if "items" in flat or "prefixItems" in flat:
            return ["array"]
        if any(k in flat for k in ("minLength", "maxLength", "pattern", "format")):
            return ["string"]
        if any(k in flat for k in ("minimum", "maximum", "multipleOf")):
            return ["number"]
        branches = flat.get("anyOf") or flat.get("oneOf")
        if isinstance(branches, list):
            # FastAPI's Optional[int] is anyOf [integer, null]: read it as integer.
            found: list[str] = []
            for branch in branches:
                try:
                    sub, _ = self.flat(branch)
                except RefError:
                    continue
                found.extend(t for t in self.types(sub) if t not in found)
            return found
        return []

    def nullable(self, flat: dict[str, Any]) -> bool:
        kind = flat.get("type")
        if not self.is_31 and flat.get("nullable") is True:
            return True
        return kind == "null" or (isinstance(kind, list) and "null" in kind)


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if key == "properties" and isinstance(value, dict):
            mine = into.get("properties") or {}
            into["properties"] = {**mine, **{k: v for k, v in value.items() if k not in mine}}
        elif key == "required" and isinstance(value, list):
            into["required"] = list(dict.fromkeys([*(into.get("required") or []), *value]))
        elif key in _LOWER_BOUNDS and isinstance(value, int | float) and key in into:
            into[key] = max(into[key], value)
        elif key in _UPPER_BOUNDS and isinstance(value, int | float) and key in into:
            into[key] = min(into[key], value)
        elif key == "type" and "type" in into and into["type"] != value:
            both = _types(into["type"]) & _types(value)
            if both:
                into["type"] = sorted(both)[0] if len(both) == 1 else sorted(both)
        else:
            into.setdefault(key, value)


def _types(kind: Any) -> set[str]:
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()
