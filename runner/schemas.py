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
    validator: Validator = _Bounded(schema, registry=NO_RETRIEVAL, format_checker=checker)
    return validator


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
        Draft202012Validator.check_schema(schema)
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
