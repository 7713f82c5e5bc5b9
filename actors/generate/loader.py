"""Reading an OpenAPI document: text (JSON or YAML) or an already parsed mapping, its
version, and Swagger 2.0 turned into OpenAPI 3.0 so the rest of the generator knows one
dialect.

A document that is not OpenAPI at all raises :class:`InvalidOpenAPIDocument` with a
one-line reason; everything finer-grained (an operation it cannot use) is the generator's
business and never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from actors.generate._coerce import as_dict
from actors.generate.swagger2 import convert_swagger2
from core import safe_yaml
from core.errors import ValidationFailed

# Parsing is the only step whose cost grows with the raw text; beyond this the caller
# (API, job) should have refused the upload already. 64 MiB leaves room for GitHub-size
# documents (13 MB) while stopping a runaway upload.
DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class InvalidOpenAPIDocument(ValidationFailed):
    """The input is not an OpenAPI 3.x / Swagger 2.0 document. ``reason`` is one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a usable OpenAPI document: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class LoadedDocument:
    """An OpenAPI document in the 3.x dialect.

    ``source_version`` is what the input declared ("2.0", "3.0.3", "3.1.0");
    ``is_31`` says whether schemas follow JSON Schema 2020-12 (3.1) or the 3.0 dialect
    (``nullable``, boolean ``exclusiveMinimum``). Converted Swagger 2.0 is 3.0.
    """

    document: dict[str, Any]
    source_version: str
    is_31: bool
    skipped: tuple[tuple[str, str], ...] = ()  # (what, why) lost in conversion


def parse_text(text: str | bytes) -> Any:
    """Parse JSON or YAML text; raises :class:`InvalidOpenAPIDocument` on a syntax error."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidOpenAPIDocument("the text is not UTF-8") from None
    if len(text) > DEFAULT_MAX_DOCUMENT_BYTES:
        raise InvalidOpenAPIDocument(f"larger than {DEFAULT_MAX_DOCUMENT_BYTES} bytes")
    stripped = text.lstrip()
    if not stripped:
        raise InvalidOpenAPIDocument("the document is empty")
    if stripped[0] in "{[":
        try:
            return json.loads(stripped)
        except ValueError:
            pass  # YAML flow style also starts with '{'; let YAML have a go.
        except RecursionError:
            raise InvalidOpenAPIDocument("nested too deeply to parse") from None
    try:
        return safe_yaml.load(text, max_bytes=DEFAULT_MAX_DOCUMENT_BYTES)
    except safe_yaml.YAMLRefused as exc:
        if exc.syntax:
            raise InvalidOpenAPIDocument(f"neither JSON nor YAML ({exc.message})") from None
        raise InvalidOpenAPIDocument(exc.message) from None


def _string_keys(node: Any, memo: dict[int, Any]) -> Any:
    """YAML turns ``200:`` into an int key and allows any scalar key; OpenAPI means
    strings. Shared nodes (a mapping passed in whole) stay shared."""
    if isinstance(node, dict):
        done = memo.get(id(node))
        if done is not None:
            return done
        out: dict[str, Any] = {}
        memo[id(node)] = out
        for key, value in node.items():
            skey = key if isinstance(key, str) else _scalar_key(key)
            out[skey] = _string_keys(value, memo)
        return out
    if isinstance(node, list):
        done = memo.get(id(node))
        if done is not None:
            return done
        items: list[Any] = []
        memo[id(node)] = items
        items.extend(_string_keys(value, memo) for value in node)
        return items
    return node


def _scalar_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def parse_document(document: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """The document as a mapping with string keys, its version checked.

    Raises :class:`InvalidOpenAPIDocument` when the input is not JSON/YAML, not a
    mapping, or declares neither ``openapi: 3.x`` nor ``swagger: "2.0"``.
    """
    raw = parse_text(document) if isinstance(document, str | bytes) else document
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else type(raw).__name__
        raise InvalidOpenAPIDocument(f"expected a mapping at the top level, found {kind}")
    try:
        doc: dict[str, Any] = _string_keys(raw, {})
    except RecursionError:
        raise InvalidOpenAPIDocument("nested too deeply to read") from None
    _version(doc)
    return doc


def _version(doc: dict[str, Any]) -> str:
    openapi, swagger = doc.get("openapi"), doc.get("swagger")
    if openapi is not None:
        text = str(openapi)
        if not text.startswith("3."):
            raise InvalidOpenAPIDocument(f"unsupported OpenAPI version {text!r} (3.0 and 3.1)")
        if not isinstance(doc.get("paths", {}), dict):
            raise InvalidOpenAPIDocument("'paths' is not a mapping")
        return text
    if swagger is not None:
        text = str(swagger)
        if text not in ("2.0", "2"):
            raise InvalidOpenAPIDocument(f"unsupported Swagger version {text!r} (2.0)")
        if not isinstance(doc.get("paths"), dict):
            raise InvalidOpenAPIDocument("a Swagger 2.0 document needs a 'paths' mapping")
        return "2.0"
    raise InvalidOpenAPIDocument("no 'openapi' (3.x) or 'swagger' (2.0) version field")


def load_document(document: str | bytes | dict[str, Any]) -> LoadedDocument:
    """Parse, check and normalise a document to the OpenAPI 3.x dialect.

    Raises :class:`InvalidOpenAPIDocument` for input that is not OpenAPI (see
    :func:`parse_document`). Swagger 2.0 is converted to 3.0; the input is not modified.
    """
    doc = parse_document(document)
    version = _version(doc)
    if version == "2.0":
        problems: list[tuple[str, str]] = []
        converted = convert_swagger2(doc, problems)
        return LoadedDocument(converted, "2.0", is_31=False, skipped=tuple(problems))
    return LoadedDocument(doc, source_version=version, is_31=not version.startswith("3.0"))


def validate_openapi_document(text_or_obj: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Check that the input is an OpenAPI 3.x or Swagger 2.0 document and return it parsed
    (as given, not converted). Raises :class:`InvalidOpenAPIDocument` (a 400) otherwise."""
    return parse_document(text_or_obj)


def server_path(document: dict[str, Any]) -> str:
    """The path of the first server URL (``https://api.example.com/v1`` → ``/v1``), with
    server variables at their defaults; "" when there is none."""
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = servers[0].get("url")
    if not isinstance(url, str):
        return ""
    variables = as_dict(servers[0].get("variables"))
    for name, spec in variables.items():
        if isinstance(spec, dict) and spec.get("default") is not None:
            url = url.replace("{" + str(name) + "}", str(spec["default"]))
    try:
        path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    except ValueError:
        return ""
    return path.rstrip("/")
