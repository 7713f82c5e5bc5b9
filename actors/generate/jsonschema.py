"""OpenAPI schema → self-contained JSON Schema (2020-12) for ``schema`` assertions and for
checking examples.

The result must never fail a healthy API, so where exactness and safety pull apart the
conversion chooses safety:

* ``$ref`` is inlined; a reference to a schema already being expanded (a cycle) is cut
  to just its ``type``, and so is any reference once the output grows past a node
  budget (GitHub's document inlines to 73 MB otherwise).
* ``oneOf`` becomes ``anyOf``: documents routinely list variants that overlap (Cat and
  Dog both accept ``{"name": ...}``), and "exactly one" would then fail valid payloads.
* ``writeOnly`` properties are not required in responses, ``readOnly`` not in requests.
* A ``pattern`` the runner cannot use is dropped (OpenAPI patterns are ECMA-262; the
  runner takes Python's syntax and refuses patterns too long or too costly to compile).
"""

from __future__ import annotations

from typing import Any, Literal

from actors.generate._coerce import as_dict
from actors.generate.refs import RefError, Resolver, is_ref
from runner import RegexRefused, check_regex

Direction = Literal["request", "response"]
# Bounds on one converted schema: past the budget, references are cut to their type;
# past the depth, subschemas become {} (accept anything).
DEFAULT_NODE_BUDGET = 2000
MAX_DEPTH = 48
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
_SUBSCHEMA = (
    "items",
    "not",
    "additionalProperties",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
)
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "prefixItems")
# Response formats checked as patterns: the runner's validator, like most, leaves
# ``format`` unchecked, and a date turned into a number or a uuid into free text is
# exactly the regression a suite should catch. Lenient where APIs legitimately differ
# (seconds, fractions and offsets of date-times).
FORMAT_PATTERNS = {
    "date-time": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "email": r"^[^@\s]+@[^@\s]+$",
    "ipv4": r"^\d{1,3}(\.\d{1,3}){3}$",
}
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Keywords copied as they are, each with the check the 2020-12 meta-schema makes, so
# the output is a valid schema by construction (a typo such as minimum: "5" is dropped).
_VERBATIM: dict[str, Any] = {
    "enum": lambda v: isinstance(v, list),
    "const": lambda v: True,
    "format": lambda v: isinstance(v, str),
    "minimum": _number,
    "maximum": _number,
    "multipleOf": lambda v: _number(v) and v > 0,
    "uniqueItems": lambda v: isinstance(v, bool),
    **dict.fromkeys(
        (
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
            "minProperties",
            "maxProperties",
            "minContains",
            "maxContains",
        ),
        _count,
    ),
}


class SchemaConverter:
    """Converts schemas of one document; reuses the conversion of each ``$ref``."""

    def __init__(self, resolver: Resolver, *, is_31: bool) -> None:
        self.resolver = resolver
        self.is_31 = is_31
        self._memo: dict[tuple[Direction, str], tuple[dict[str, Any], int]] = {}
        self._patterns: dict[str, bool] = {}

    def convert(
        self, schema: Any, direction: Direction = "response", budget: int = DEFAULT_NODE_BUDGET
    ) -> dict[str, Any]:
        """A JSON Schema accepting at least what ``schema`` accepts.

        Raises :class:`RefError` when the top-level reference cannot be resolved; deeper
        unresolvable references become ``{}``.
        """
        if is_ref(schema):
            self.resolver.deref(schema)  # a broken top-level ref is the caller's skip
        state = _State(direction, budget)
        return self._convert(schema, state, (), 0)

    def _convert(self, node: Any, st: _State, stack: tuple[str, ...], depth: int) -> dict[str, Any]:
        if node is True or node is None:
            return {}
        if node is False:
            return {"not": {}}
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            return {}
        if is_ref(node):
            return self._convert_ref(node, st, stack, depth)
        st.nodes += 1
        out: dict[str, Any] = {}
        self._type(node, out)
        for key, valid in _VERBATIM.items():
            if key in node and valid(node[key]):
                out[key] = node[key]
        self._bounds(node, out)
        pattern = node.get("pattern")
        if isinstance(pattern, str) and self._pattern_ok(pattern):
            out["pattern"] = pattern
        elif st.direction == "response" and node.get("format") in FORMAT_PATTERNS:
            out["pattern"] = FORMAT_PATTERNS[node["format"]]
        for key in _SUBSCHEMA:
            if key in node and not (key == "additionalProperties" and node[key] is True):
                out[key] = self._convert(node[key], st, stack, depth + 1)
        for key in _SUBSCHEMA_LISTS:
            if isinstance(node.get(key), list):
                out[key] = [self._convert(sub, st, stack, depth + 1) for sub in node[key]]
        if len(out.get("allOf", ())) > 1:
            # Documents close each allOf part with additionalProperties: false meaning
            # "no more than all parts together"; JSON Schema would reject every payload.
            out["allOf"] = [_open(part) for part in out["allOf"]]
        if isinstance(node.get("oneOf"), list):
            branches = [self._convert(sub, st, stack, depth + 1) for sub in node["oneOf"]]
            if "anyOf" in out:
                out["allOf"] = [*out.get("allOf", []), {"anyOf": branches}]
            else:
                out["anyOf"] = branches
        for key in _SUBSCHEMA_MAPS:
            if isinstance(node.get(key), dict):
                out[key] = {
                    str(name): self._convert(sub, st, stack, depth + 1)
                    for name, sub in node[key].items()
                    if key != "patternProperties" or self._pattern_ok(str(name))
                }
        self._required(node, out, st.direction)
        if not self.is_31 and node.get("nullable") is True:
            return _nullable(out)
        return out

    def _convert_ref(
        self, node: dict[str, Any], st: _State, stack: tuple[str, ...], depth: int
    ) -> dict[str, Any]:
        ref = node["$ref"]
        try:
            target = self.resolver.deref(node)
        except RefError:
            return {}
        if ref in stack:
            return self._shallow(target)
        memo = self._memo.get((st.direction, ref))
        if memo is not None and st.nodes + memo[1] <= st.budget:
            st.nodes += memo[1]
            result = memo[0]
        elif st.nodes >= st.budget:
            return self._shallow(target)
        else:
            before = st.nodes
            result = self._convert(target, st, (*stack, ref), depth + 1)
            self._memo[(st.direction, ref)] = (result, st.nodes - before)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if self.is_31 and _constraining(siblings):
            return {"allOf": [result, self._convert(siblings, st, stack, depth + 1)]}
        if not self.is_31 and siblings.get("nullable") is True:
            return _nullable(result)
        return result

    def _shallow(self, target: Any) -> dict[str, Any]:
        """Only the type of a schema: always implied by the full schema, so safe."""
        if not isinstance(target, dict):
            return {}
        out: dict[str, Any] = {}
        self._type(target, out)
        if not self.is_31 and target.get("nullable") is True and "type" in out:
            return _nullable(out)
        return out

    def _type(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        kind = node.get("type")
        if isinstance(kind, str) and kind in JSON_TYPES:
            out["type"] = kind
        elif isinstance(kind, list):
            kinds = [k for k in kind if isinstance(k, str) and k in JSON_TYPES]
            if kinds:
                out["type"] = list(dict.fromkeys(kinds))

    def _bounds(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            value = node.get(bound)
            if isinstance(value, bool):
                if value and isinstance(node.get(plain), int | float):
                    out[bound] = node[plain]
                    out.pop(plain, None)
            elif isinstance(value, int | float):
                out[bound] = value

    def _required(self, node: dict[str, Any], out: dict[str, Any], direction: Direction) -> None:
        required = node.get("required")
        if not isinstance(required, list):
            return
        hidden = "writeOnly" if direction == "response" else "readOnly"
        props = as_dict(node.get("properties"))
        names = []
        for name in required:
            if not isinstance(name, str) or name in names:
                continue
            prop = props.get(name)
            if is_ref(prop):
                try:
                    prop = self.resolver.deref(prop)
                except RefError:
                    prop = None
            if isinstance(prop, dict) and prop.get(hidden) is True:
                continue
            names.append(name)
        if names:
            out["required"] = names

    def _pattern_ok(self, pattern: str) -> bool:
        ok = self._patterns.get(pattern)
        if ok is None:
            try:
                check_regex(pattern)
                ok = True
            except RegexRefused:
                ok = False
            self._patterns[pattern] = ok
        return ok


class _State:
    __slots__ = ("budget", "direction", "nodes")

    def __init__(self, direction: Direction, budget: int) -> None:
        self.direction = direction
        self.budget = budget
        self.nodes = 0


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {**schema, "type": [kind, "null"]}
    elif isinstance(kind, list):
        out = {**schema, "type": [*kind, "null"] if "null" not in kind else kind}
    else:
        return {"anyOf": [schema, {"type": "null"}]} if schema else schema
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def _open(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("additionalProperties") == {"not": {}}:
        return {k: v for k, v in schema.items() if k != "additionalProperties"}
    return schema


def _constraining(siblings: dict[str, Any]) -> bool:
    """Whether keys beside a 3.1 ``$ref`` narrow it (not just describe it)."""
    annotations = {
        "description",
        "title",
        "example",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "xml",
        "externalDocs",
        "discriminator",
    }
    return any(key not in annotations and not key.startswith("x-") for key in siblings)
