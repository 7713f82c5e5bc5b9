"""The one place JSON Schema validators are built, for schemas users and documents write.

Two doors are closed here for every validator of the service (schema assertions, suite
validation, generation, normalization):

* Nothing is fetched. jsonschema's default registry retrieves any ``$ref`` it does not
  know over urllib (``http://``, ``file://``, ``data:``), which would let a suite make a
  worker read local files or call hosts past the host policy. The registry here has no
  retrieval: only references into the schema itself resolve (its own pointers, anchors
  and embedded ``$id`` resources, plus the JSON Schema meta-schemas jsonschema ships).
  Anything else raises ``referencing.exceptions.Unresolvable`` when it is reached.
* Every regular expression (``pattern``, ``patternProperties``) is matched by
  :mod:`runner.bounded_regex`, so it is bounded in time and does not hold the GIL.

:func:`refusal` says, before a schema is stored, why it could not be used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema_specifications import REGISTRY as META_SCHEMAS
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from runner import bounded_regex
from runner._schema_keywords import KEYWORDS

# No ``retrieve``: a reference to anything not in the registry fails, never fetches.
NO_RETRIEVAL: Registry[Any] = Registry()
_LOOKUPS = META_SCHEMAS.combine(NO_RETRIEVAL)
_Bounded = validators.extend(Draft202012Validator, validators=KEYWORDS)
# A schema with more subschemas than this is refused: no check of it would end soon.
MAX_WALK_NODES = 100_000
# Deeper schemas are checked without the memo (see _check_meta). check_schema itself
# gives up at about 120 levels; the documents of the generation benchmark nest 36 at most.
MEMO_MAX_HEIGHT = 64
# referencing's Resolver is not part of its public names.
Resolver = Any


def validator_for(schema: Any, *, formats: bool = False) -> Validator:
    """A 2020-12 validator for ``schema`` that fetches nothing and bounds its regexes.

    ``formats``: also assert ``format`` (as generation does for examples). Validation
    may raise ``referencing.exceptions.Unresolvable`` for a reference that leaves the
    schema, and :mod:`runner.bounded_regex` errors; :func:`unusable` turns them into a
    reason.
    """
    checker = _Bounded.FORMAT_CHECKER if formats else None
    validator: Validator = _Bounded(
        one_dialect(schema), registry=NO_RETRIEVAL, format_checker=checker
    )
    return validator


# Keywords whose value is a schema, a list of schemas, or a map of names to schemas
# (2020-12, with draft 7's spellings that 2020-12 documents still carry).
_SCHEMA_VALUED = frozenset(
    {
        "additionalItems", "additionalProperties", "contains", "contentSchema", "else",
        "if", "items", "not", "propertyNames", "then", "unevaluatedItems",
        "unevaluatedProperties",
    }
)  # fmt: skip
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "dependencies", "patternProperties", "properties"}
)


def one_dialect(schema: Any) -> Any:
    """``schema`` without ``$schema`` in any schema object (a copy; names and values such
    as ``const`` or a property called ``$schema`` are kept).

    jsonschema picks the validator class of every subschema it enters, and of the target
    of every ``$ref``, from that object's ``$schema``: a subschema declaring draft 7 (or a
    ``$ref`` back to a root declaring 2020-12) would be checked by the stock class, whose
    ``pattern`` runs plain ``re`` — unbounded, holding the GIL. Without ``$schema`` every
    object falls back to the bounded class; the service reads every schema as 2020-12
    anyway."""
    if isinstance(schema, list):
        return [one_dialect(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copied: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$schema":
            continue
        if key in _SCHEMA_VALUED or key in _SCHEMA_LISTS:
            copied[key] = one_dialect(value)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            copied[key] = {name: one_dialect(sub) for name, sub in value.items()}
        else:
            copied[key] = value
    return copied


def unusable(exc: BaseException) -> str | None:
    """The reason a validation failed with ``exc`` before judging anything, or None when
    ``exc`` is not one of the failures :func:`validator_for` can raise."""
    if isinstance(exc, Unresolvable):
        return _ref_phrase(str(exc.ref))
    if isinstance(exc, bounded_regex.RegexTimeout):
        return str(exc)
    if isinstance(exc, bounded_regex.RegexRefused):
        return f"the schema holds an unusable regular expression: {exc}"
    return None


def refusal(schema: Any) -> str | None:
    """Why ``schema`` cannot be used as a 2020-12 JSON Schema, or None when it can: not
    valid against the meta-schema, a ``$ref``/``$dynamicRef`` that does not resolve
    inside the schema, or a ``pattern``/``patternProperties`` that is not a usable
    regular expression (see :func:`runner.bounded_regex.check`)."""
    try:
        _check_meta(schema)
    except SchemaError as exc:
        return f"not a valid JSON Schema: {exc.message}"
    except RecursionError:
        return "not a valid JSON Schema: nested too deeply"
    root = DRAFT202012.create_resource(schema)
    for count, (contents, resolver) in enumerate(_walk(root, _LOOKUPS.resolver_with_root(root))):
        if count > MAX_WALK_NODES:
            return f"the schema has more than {MAX_WALK_NODES:,} subschemas"
        problem = _pattern_problem(contents) or _ref_problem(contents, resolver)
        if problem:
            return problem
    return None


@contextmanager
def meta_checks_shared() -> Iterator[None]:
    """Within this block (in this thread or task), :func:`refusal` checks each schema
    object against the meta-schema once, however many schemas it appears in.

    For callers that check many schemas sharing subschema objects (generation inlines
    one object per component into every response schema). The objects must not change
    inside the block: a subschema found valid is recognised by identity.
    """
    token = _META_VALID.set({})
    try:
        yield
    finally:
        _META_VALID.reset(token)


def _check_meta(schema: Any) -> None:
    """``Draft202012Validator.check_schema(schema)``, with the same verdicts and
    messages, faster on schemas whose subschema objects repeat.

    The meta-schema validates every subschema through ``{"$dynamicRef": "#meta"}``,
    which always resolves to the 2020-12 meta-schema itself: a subschema object's
    verdict does not depend on where it sits, so one found valid is not validated
    again (:func:`_dynamic_ref_once`). Only "valid" is remembered; a failure is decided
    again by ``check_schema`` itself, whose message is the one given. So is a schema
    nested deeper than ``MEMO_MAX_HEIGHT``: there, skipping a subschema seen higher up
    could pass a schema ``check_schema`` gives up on as nested too deeply.
    """
    if _height(schema, {}, MEMO_MAX_HEIGHT) <= MEMO_MAX_HEIGHT:
        outer = _META_VALID.get()
        token = _META_VALID.set({}) if outer is None else None
        try:
            if _META_CHECK.is_valid(schema):
                return
        except RecursionError:
            pass
        finally:
            if token is not None:
                _META_VALID.reset(token)
    Draft202012Validator.check_schema(schema)


def _height(node: Any, heights: dict[int, int], budget: int) -> int:
    """How many objects and arrays ``node`` nests on its longest chain, or ``budget + 1``
    once that is more than ``budget`` (so a cycle ends too). ``heights`` remembers the
    objects measured, all alive inside the root being measured."""
    if isinstance(node, dict):
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return 0
    known = heights.get(id(node))
    if known is not None:
        return known if known <= budget else budget + 1
    if budget <= 0:
        return budget + 1
    height = 0
    for child in children:
        below = _height(child, heights, budget - 1)
        if below > budget - 1:
            return budget + 1
        height = max(height, below)
    heights[id(node)] = height + 1
    return height + 1


def _dynamic_ref_once(
    validator: Any, dynamic_ref: str, instance: Any, schema: Any
) -> Iterator[Any]:
    memo = _META_VALID.get()
    if memo is None or not isinstance(instance, dict):
        yield from _DYNAMIC_REF(validator, dynamic_ref, instance, schema)
        return
    key = (dynamic_ref, id(instance))
    if memo.get(key) is instance:
        return
    failed = False
    for error in _DYNAMIC_REF(validator, dynamic_ref, instance, schema):
        failed = True
        yield error
    if not failed:  # (a check that stops at an error never gets here either)
        # The object is kept with its id, so the id cannot be reused while remembered.
        memo[key] = instance


_DYNAMIC_REF = Draft202012Validator.VALIDATORS["$dynamicRef"]
# Subschema objects found valid against the meta-schema, by ($dynamicRef, id): one
# dict per refusal() call, or per meta_checks_shared() block.
_META_VALID: ContextVar[dict[tuple[str, int], Any] | None] = ContextVar(
    "gauntlet_meta_valid", default=None
)


def _private_meta_schemas() -> tuple[dict[str, Any], Registry[Any]]:
    """The 2020-12 meta-schema and its vocabularies, unchanged but for their ``$schema``
    (dropped) and ``$id`` (moved to a private base). jsonschema picks the validator
    class of each subschema by its ``$schema``, which would swap the class with the
    memo for the stock one at the first vocabulary; the private ``$id`` keeps these
    copies apart from the stock ones every other validator resolves."""
    resources = []
    for uri in META_SCHEMAS:
        if uri.startswith(_STOCK_BASE):
            contents = dict(META_SCHEMAS.contents(uri))
            del contents["$schema"]
            contents["$id"] = _PRIVATE_BASE + uri.removeprefix(_STOCK_BASE)
            resources.append((contents["$id"], DRAFT202012.create_resource(contents)))
    registry: Registry[Any] = Registry().with_resources(resources).crawl()
    root = registry.contents(_PRIVATE_BASE + "schema")
    return root, registry


_STOCK_BASE = "https://json-schema.org/draft/2020-12/"
_PRIVATE_BASE = "https://gauntlet.invalid/json-schema/draft/2020-12/"
_META_ROOT, _META_REGISTRY = _private_meta_schemas()
_META_CHECK = validators.extend(Draft202012Validator, {"$dynamicRef": _dynamic_ref_once})(
    _META_ROOT,
    format_checker=Draft202012Validator.FORMAT_CHECKER,
    registry=_META_REGISTRY,
)


def _walk(root: Resource[Any], resolver: Resolver) -> Iterator[tuple[Any, Resolver]]:
    """Every subschema once, with the resolver of its scope; the targets of references
    are walked too, so a reference into a non-schema location (``#/x``) is checked."""
    seen: set[int] = set()
    pending = [(root, resolver)]
    while pending:
        resource, scope = pending.pop()
        contents = resource.contents
        if id(contents) in seen:
            continue
        seen.add(id(contents))
        yield contents, scope
        if isinstance(contents, dict):
            for keyword in ("$ref", "$dynamicRef"):
                ref = contents.get(keyword)
                if isinstance(ref, str):
                    try:
                        resolved = scope.lookup(ref)
                    except Unresolvable:
                        continue  # reported by _ref_problem
                    target = DRAFT202012.create_resource(resolved.contents)
                    pending.append((target, resolved.resolver))
        for sub in resource.subresources():
            pending.append((sub, scope.in_subresource(sub)))


def _ref_problem(contents: Any, resolver: Resolver) -> str | None:
    if not isinstance(contents, dict):
        return None
    for keyword in ("$ref", "$dynamicRef"):
        ref = contents.get(keyword)
        if not isinstance(ref, str):
            continue
        try:
            resolver.lookup(ref)
        except Unresolvable:
            return _ref_phrase(ref, keyword)
    return None


def _ref_phrase(ref: str, keyword: str = "$ref") -> str:
    return (
        f"{keyword} {ref!r} does not resolve inside the schema: only references to the "
        "schema itself (such as '#/$defs/name') are followed, nothing is fetched"
    )


def _pattern_problem(contents: Any) -> str | None:
    if not isinstance(contents, dict):
        return None
    patterns = []
    if isinstance(contents.get("pattern"), str):
        patterns.append(("pattern", contents["pattern"]))
    if isinstance(contents.get("patternProperties"), dict):
        patterns += [("patternProperties", key) for key in contents["patternProperties"]]
    for keyword, pattern in patterns:
        try:
            bounded_regex.check(pattern)
        except bounded_regex.RegexRefused as exc:
            shown = bounded_regex.shown(pattern)
            return f"{keyword} /{shown}/ is not a usable regular expression: {exc}"
    return None
