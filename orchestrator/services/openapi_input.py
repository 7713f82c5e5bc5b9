"""Accepting an OpenAPI document from a client: JSON or YAML text, or an object.

Text is parsed here: JSON, or YAML through the one safe loader (``core.safe_yaml``: no
aliases, timestamps, custom tags or deep nesting); whether the result is a usable OpenAPI
document is the generator's call (``validate_openapi_document``), so the API accepts
exactly what jobs can use.
"""

from __future__ import annotations

import json
from typing import Any

from actors.generate import InvalidOpenAPIDocument, validate_openapi_document
from core import safe_yaml
from core.errors import ValidationFailed

_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def parse_document(value: str | dict[str, Any], field: str = "schema") -> dict[str, Any]:
    """The document as an object; ValidationFailed naming ``field`` when it is not one."""
    document: Any = value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValidationFailed("the OpenAPI document is empty", field=field)
        try:
            document = json.loads(text) if text[0] in "{[" else safe_yaml.load(text)
        except safe_yaml.YAMLRefused as exc:
            raise ValidationFailed(exc.message, field=field) from None
        except ValueError as exc:
            reason = str(exc).splitlines()[0][:200]
            raise ValidationFailed(f"not valid JSON or YAML: {reason}", field=field) from None
        except RecursionError:
            raise ValidationFailed("nested too deeply to parse", field=field) from None
    try:
        return validate_openapi_document(document)
    except InvalidOpenAPIDocument as exc:
        raise ValidationFailed(exc.message, field=field) from None


def summarize(document: dict[str, Any]) -> dict[str, Any]:
    info = document.get("info")
    info = info if isinstance(info, dict) else {}
    paths = document.get("paths")
    operations = sum(
        1
        for item in (paths.values() if isinstance(paths, dict) else [])
        if isinstance(item, dict)
        for method in item
        if method in _METHODS
    )
    return {
        "spec_version": str(document.get("openapi") or document.get("swagger")),
        "title": info.get("title") if isinstance(info.get("title"), str) else None,
        "version": str(info["version"]) if info.get("version") is not None else None,
        "operation_count": operations,
    }
