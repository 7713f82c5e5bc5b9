"""Parameters of an operation: path-level and operation-level merged, styles and
defaults made explicit, credentials left to the app's auth."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from actors.generate._coerce import MISSING, as_dict
from actors.generate.refs import RefError, Resolver

_PATH_PARAM = re.compile(r"{([^{}/]+)}")
# Header parameters the specification says to ignore: the runner owns these.
_RESERVED_HEADERS = frozenset({"accept", "content-type", "authorization"})


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path, query, header or cookie
    required: bool
    schema: Any
    style: str
    explode: bool
    example: Any = MISSING
    as_json: bool = False  # declared with `content: application/json` instead of a schema


def credential_parameters(document: dict[str, Any], r: Resolver) -> frozenset[tuple[str, str]]:
    """(location, lower-case name) of every API key a security scheme names. The app's
    target auth supplies those at run time; a generated value would override it."""
    found: set[tuple[str, str]] = set()
    schemes = as_dict(as_dict(document.get("components")).get("securitySchemes"))
    for scheme in schemes.values():
        try:
            scheme = r.deref(scheme)
        except RefError:
            continue
        scheme = as_dict(scheme)
        where, name = scheme.get("in"), scheme.get("name")
        if scheme.get("type") == "apiKey" and isinstance(where, str) and isinstance(name, str):
            found.add((where, name.lower()))
    return frozenset(found)


def read_parameters(
    path: str,
    item: dict[str, Any],
    op: dict[str, Any],
    r: Resolver,
    notes: list[str],
    credentials: frozenset[tuple[str, str]],
) -> list[Parameter]:
    merged: dict[tuple[str, str], Parameter] = {}
    for source in (item.get("parameters"), op.get("parameters")):
        for raw in source if isinstance(source, list) else []:
            param = r.deref(raw)
            if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                notes.append("a parameter without a name was ignored")
                continue
            parsed = _parameter(param, r)
            if parsed is None:
                continue
            if (parsed.location, parsed.name.lower()) in credentials:
                notes.append(f"{parsed.location} {parsed.name!r} is left to the app's auth")
                continue
            merged[(parsed.location, parsed.name)] = parsed
    template_names = _PATH_PARAM.findall(path.split("#", 1)[0])
    for name in template_names:
        if ("path", name) not in merged:
            notes.append(f"path parameter {name!r} is not declared; sending a string")
            merged[("path", name)] = Parameter(
                name, "path", True, {"type": "string"}, "simple", False
            )
    return [p for p in merged.values() if p.location != "path" or p.name in template_names]


def _parameter(param: dict[str, Any], r: Resolver) -> Parameter | None:
    location = param.get("in")
    name = param["name"]
    if location not in ("path", "query", "header", "cookie"):
        return None
    if location == "header" and name.lower() in _RESERVED_HEADERS:
        return None
    schema: Any = param.get("schema", {})
    as_json = False
    content = param.get("content")
    if "schema" not in param and isinstance(content, dict) and content:
        media = r.deref(next(iter(content.values())))
        schema = media.get("schema", {}) if isinstance(media, dict) else {}
        as_json = True
    style = param.get("style")
    default_style = "form" if location in ("query", "cookie") else "simple"
    style = style if isinstance(style, str) else default_style
    explode = param.get("explode")
    explode = explode if isinstance(explode, bool) else style == "form"
    return Parameter(
        name=name,
        location=location,
        required=location == "path" or param.get("required") is True,
        schema=schema,
        style=style,
        explode=explode,
        example=example(param, r),
        as_json=as_json,
    )


def example(holder: dict[str, Any], r: Resolver) -> Any:
    if "example" in holder:
        return holder["example"]
    examples = holder.get("examples")
    if isinstance(examples, dict):
        for value in examples.values():
            try:
                value = r.deref(value)
            except RefError:
                continue
            if isinstance(value, dict) and "value" in value:
                return value["value"]
    return MISSING
