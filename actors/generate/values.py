"""Deterministic valid values from OpenAPI schemas.

Every choice is drawn from the ``random.Random`` the caller passes (seeded per suite),
so the same document and seed give the same values. Examples and defaults from the
document come first — they are what its authors know works — and generated values
follow enums, formats, bounds and patterns.
"""

from __future__ import annotations

import random
from typing import Any, Literal

from actors.generate._coerce import as_dict, as_int
from actors.generate.refs import RefError
from actors.generate.scalars import integer, number, string, word
from actors.generate.schemaview import SchemaView

Direction = Literal["request", "response"]
# Optional properties are filled this deep into an object (0 = top level); deeper, only
# required ones, so that recursive and very wide schemas stay small.
OPTIONAL_DEPTH = 1
MAX_DEPTH = 12
_MISSING = object()


class ValueGenerator:
    """Builds values for one document's schemas. ``use_examples=False`` ignores the
    document's examples and defaults (for when they fail their own schema)."""

    def __init__(self, view: SchemaView) -> None:
        self.view = view

    def valid(
        self,
        schema: Any,
        rng: random.Random,
        *,
        name: str = "value",
        direction: Direction = "request",
        use_examples: bool = True,
    ) -> Any:
        """A value ``schema`` accepts (best effort where patterns or contradictions defeat
        generation). Raises :class:`RefError` if ``schema`` itself is a broken reference."""
        self.view.flat(schema)
        return self._value(schema, rng, name, direction, use_examples, 0, ())

    def _value(
        self,
        schema: Any,
        rng: random.Random,
        name: str,
        direction: Direction,
        use_examples: bool,
        depth: int,
        stack: tuple[str, ...],
    ) -> Any:
        try:
            flat, ref = self.view.flat(schema)
        except RefError:
            return word(name)
        if depth > MAX_DEPTH:
            return _empty_like(self.view.types(flat))
        if ref is not None:
            stack = (*stack, ref)
        if use_examples:
            found = example_of(flat)
            if found is not _MISSING:
                return found
        if "const" in flat:
            return flat["const"]
        enum = flat.get("enum")
        if isinstance(enum, list) and enum:
            choices = [v for v in enum if v is not None] or enum
            return rng.choice(choices)
        for key in ("oneOf", "anyOf"):
            branches = flat.get(key)
            if isinstance(branches, list) and branches:
                return self._branch(
                    flat, branches, rng, name, direction, use_examples, depth, stack
                )
        types = self.view.types(flat)
        kind = types[0] if types else ("null" if self.view.nullable(flat) else "string")
        if kind == "object":
            return self._object(flat, rng, direction, use_examples, depth, stack)
        if kind == "array":
            return self._array(flat, rng, name, direction, use_examples, depth, stack)
        if kind == "integer":
            return integer(flat, rng)
        if kind == "number":
            return number(flat, rng)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        return string(flat, rng, name)

    def _branch(
        self,
        flat: dict[str, Any],
        branches: list[Any],
        rng: random.Random,
        name: str,
        direction: Direction,
        use_examples: bool,
        depth: int,
        stack: tuple[str, ...],
    ) -> Any:
        # The first branch that is not a reference back into the stack; the first one is
        # usually the main shape, and a fixed choice keeps suites stable across seeds.
        chosen = next(
            (b for b in branches if not (isinstance(b, dict) and b.get("$ref") in stack)),
            branches[0],
        )
        base = {k: v for k, v in flat.items() if k not in ("oneOf", "anyOf", "discriminator")}
        value = self._value(
            {"allOf": [base, chosen]} if base else chosen,
            rng,
            name,
            direction,
            use_examples,
            depth + 1,
            stack,
        )
        discriminator = flat.get("discriminator")
        if isinstance(value, dict) and isinstance(discriminator, dict):
            prop = discriminator.get("propertyName")
            if isinstance(prop, str):
                value[prop] = _discriminator_value(discriminator, chosen, value.get(prop))
        return value

    def _object(
        self,
        flat: dict[str, Any],
        rng: random.Random,
        direction: Direction,
        use_examples: bool,
        depth: int,
        stack: tuple[str, ...],
    ) -> dict[str, Any]:
        props = as_dict(flat.get("properties"))
        required = [r for r in flat.get("required") or [] if isinstance(r, str)]
        hidden = "readOnly" if direction == "request" else "writeOnly"
        out: dict[str, Any] = {}
        for prop, sub in props.items():
            must = prop in required
            if not must and (depth > OPTIONAL_DEPTH or depth >= MAX_DEPTH):
                continue
            try:
                sub_flat, sub_ref = self.view.flat(sub)
            except RefError:
                continue
            if sub_flat.get(hidden) is True or (isinstance(sub, dict) and sub.get(hidden) is True):
                continue
            if sub_ref is not None and sub_ref in stack:
                if not must:
                    continue  # Recursion stops at the first optional self-reference.
                out[prop] = _empty_like(self.view.types(sub_flat))
                continue
            if depth >= MAX_DEPTH:
                out[prop] = _empty_like(self.view.types(sub_flat))
                continue
            out[prop] = self._value(sub, rng, prop, direction, use_examples, depth + 1, stack)
        for prop in required:
            if prop not in out and prop not in props:
                extra = flat.get("additionalProperties")
                out[prop] = (
                    self._value(extra, rng, prop, direction, use_examples, depth + 1, stack)
                    if isinstance(extra, dict)
                    else word(prop)
                )
        minimum = flat.get("minProperties")
        extra = flat.get("additionalProperties")
        if props and isinstance(minimum, int) and len(out) < minimum:
            # Optional properties left out below OPTIONAL_DEPTH are brought back as
            # needed: an object with minProperties must not be sent empty.
            for prop, sub in props.items():
                if len(out) >= minimum:
                    break
                if prop not in out:
                    try:
                        sub_flat, _ = self.view.flat(sub)
                    except RefError:
                        continue
                    if sub_flat.get(hidden) is not True:
                        out[prop] = self._value(
                            sub, rng, prop, direction, use_examples, depth + 1, stack
                        )
        if not props and isinstance(minimum, int) and len(out) < minimum:
            for i in range(min(minimum, 20) - len(out)):
                key = f"key{i + 1}"
                out[key] = (
                    self._value(extra, rng, key, direction, use_examples, depth + 1, stack)
                    if isinstance(extra, dict)
                    else word(key)
                )
        return out

    def _array(
        self,
        flat: dict[str, Any],
        rng: random.Random,
        name: str,
        direction: Direction,
        use_examples: bool,
        depth: int,
        stack: tuple[str, ...],
    ) -> list[Any]:
        low = as_int(flat.get("minItems")) or 0
        high = as_int(flat.get("maxItems"))
        count = max(low, 1) if high is None else min(max(low, 1), high)
        count = min(count, 20)
        items = flat.get("items")
        if depth >= MAX_DEPTH or items is False:
            return []
        if isinstance(items, dict) and items.get("$ref") in stack and low == 0:
            return []
        out: list[Any] = []
        for _ in range(count * 3):  # room for retries when items must be unique
            value = self._value(items or {}, rng, name, direction, use_examples, depth + 1, stack)
            if flat.get("uniqueItems") and value in out:
                continue
            out.append(value)
            if len(out) == count:
                break
        return out


def example_of(flat: dict[str, Any]) -> Any:
    """The schema's own example (3.0 ``example``, 3.1 ``examples[0]``) or default."""
    if "example" in flat:
        return flat["example"]
    examples = flat.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "default" in flat:
        return flat["default"]
    return _MISSING


def _discriminator_value(discriminator: dict[str, Any], chosen: Any, current: Any) -> Any:
    ref = chosen.get("$ref") if isinstance(chosen, dict) else None
    mapping = discriminator.get("mapping")
    if isinstance(mapping, dict) and ref:
        for key, target in mapping.items():
            if target == ref or (isinstance(target, str) and ref.endswith("/" + target)):
                return key
    if ref:
        return ref.rsplit("/", 1)[-1]
    return current


def _empty_like(types: list[str]) -> Any:
    kind = types[0] if types else "string"
    return {"object": {}, "array": [], "integer": 0, "number": 0, "boolean": False}.get(kind, "")
