"""A large, realistic-looking OpenAPI document built in memory: for the performance
test and bench/generate.py. Each resource has CRUD paths, a nested sub-resource, shared
components, enums, formats, bounds, allOf and a recursive schema."""

from __future__ import annotations

import json
from typing import Any

_FORMATS = ("date-time", "email", "uuid", "uri", "ipv4", "date")


def _resource_schema(i: int, fields: int) -> dict[str, Any]:
    props: dict[str, Any] = {"id": {"type": "integer", "readOnly": True}}
    for f in range(fields):
        kind = f % 6
        name = f"field{f}"
        if kind == 0:
            props[name] = {"type": "string", "minLength": 1, "maxLength": 64}
        elif kind == 1:
            props[name] = {"type": "integer", "minimum": 0, "maximum": 1000}
        elif kind == 2:
            props[name] = {"type": "string", "format": _FORMATS[f % len(_FORMATS)]}
        elif kind == 3:
            props[name] = {"type": "string", "enum": ["alpha", "beta", "gamma"]}
        elif kind == 4:
            props[name] = {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}
        else:
            props[name] = {"type": "number", "nullable": True, "exclusiveMinimum": True,
                           "minimum": 0}  # fmt: skip
        props[name]["description"] = f"Field {f} of resource {i}. " + "Lorem ipsum " * 6
    return {
        "allOf": [
            {"$ref": "#/components/schemas/Audited"},
            {"type": "object", "required": ["field0", "field1"], "properties": props},
        ]
    }


def large_document(resources: int = 260, fields: int = 150) -> dict[str, Any]:
    """``resources`` times 5 operations (1,300 by default), about 10 MB as JSON."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Tag": {"type": "object", "properties": {"name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}}},
        "Audited": {"type": "object", "properties": {"createdAt": {"type": "string",
                    "format": "date-time", "readOnly": True}}},
        "Error": {"type": "object", "required": ["message"],
                  "properties": {"message": {"type": "string"}}},
    }  # fmt: skip
    error = {"description": "Error", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error"}}}}  # fmt: skip
    for i in range(resources):
        name = f"Resource{i}"
        ref = {"$ref": f"#/components/schemas/{name}"}
        schemas[name] = _resource_schema(i, fields)
        body = {"required": True, "content": {"application/json": {"schema": ref}}}
        one = {"description": "One", "content": {"application/json": {"schema": ref}}}
        many = {"description": "Many", "content": {"application/json": {
            "schema": {"type": "array", "items": ref}}}}  # fmt: skip
        item_param = {"name": "itemId", "in": "path", "required": True,
                      "schema": {"type": "integer", "minimum": 1}}  # fmt: skip
        paths[f"/resources{i}"] = {
            "get": {"operationId": f"list{i}", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
                "responses": {"200": many, "400": error}},
            "post": {"operationId": f"create{i}", "requestBody": body,
                     "responses": {"201": one, "400": error}},
        }  # fmt: skip
        paths[f"/resources{i}/{{itemId}}"] = {
            "parameters": [item_param],
            "get": {"operationId": f"get{i}", "responses": {"200": one, "404": error}},
            "put": {"operationId": f"put{i}", "requestBody": body,
                    "responses": {"200": one, "404": error}},
            "delete": {"operationId": f"delete{i}", "responses": {"204": {"description": "Gone"},
                       "404": error}},
        }  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "Synthetic", "version": "1.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def large_document_text(resources: int = 260, fields: int = 150) -> str:
    return json.dumps(large_document(resources, fields), indent=1)
