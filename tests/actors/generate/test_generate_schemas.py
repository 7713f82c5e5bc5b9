"""$ref resolution and OpenAPI → JSON Schema for schema assertions: exact where it is
safe, looser where exactness would fail a healthy API, always finite and valid."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from actors.generate.jsonschema import SchemaConverter
from actors.generate.refs import RefError, Resolver


def _converter(schemas: dict[str, Any], *, is_31: bool = False) -> SchemaConverter:
    return SchemaConverter(Resolver({"components": {"schemas": schemas}}), is_31=is_31)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_local_refs_resolve_with_json_pointer_escapes() -> None:
    resolver = Resolver({"paths": {"/a/{id}": {"get": {"x": 1}}}})

    assert resolver.lookup("#/paths/~1a~1%7Bid%7D/get") == {"x": 1}


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("other.yaml#/Pet", "external $ref"),
        ("https://example.com/schema.json", "external $ref"),
        ("#/components/schemas/Nope", "points at nothing"),
        ("#components", "not a JSON pointer"),
    ],
)
def test_unfollowable_refs_raise_with_a_reason(ref: str, reason: str) -> None:
    with pytest.raises(RefError, match=re.escape(reason)):
        Resolver({"components": {"schemas": {}}}).deref({"$ref": ref})


def test_a_ref_loop_raises_instead_of_spinning() -> None:
    resolver = Resolver({"components": {"schemas": {"A": _ref("B"), "B": _ref("A")}}})

    with pytest.raises(RefError, match="refers to itself"):
        resolver.deref(_ref("A"))


def test_refs_are_inlined() -> None:
    converter = _converter({"Pet": {"type": "object", "properties": {"id": _ref("Id")}},
                            "Id": {"type": "integer"}})  # fmt: skip

    assert converter.convert(_ref("Pet")) == {
        "type": "object",
        "properties": {"id": {"type": "integer"}},
    }


def test_a_circular_schema_is_cut_to_its_type_at_the_cycle() -> None:
    converter = _converter({"Node": {"type": "object", "properties": {
        "next": _ref("Node"), "value": {"type": "string"}}}})  # fmt: skip

    schema = converter.convert(_ref("Node"))

    assert schema["properties"]["next"] == {"type": "object"}
    assert Draft202012Validator(schema).is_valid({"value": "a", "next": {"next": {"x": 1}}})


def test_the_node_budget_bounds_a_schema_that_explodes_when_inlined() -> None:
    # Each level references the next twice: 2^20 leaves if fully inlined.
    schemas = {f"L{i}": {"type": "object", "properties": {"a": _ref(f"L{i + 1}"),
                                                           "b": _ref(f"L{i + 1}")}}
               for i in range(20)}  # fmt: skip
    schemas["L20"] = {"type": "string"}

    schema = _converter(schemas).convert(_ref("L0"), budget=500)

    assert len(json.dumps(schema)) < 200_000


def test_one_of_becomes_any_of_so_overlapping_variants_pass() -> None:
    converter = _converter({
        "Cat": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Dog": {"type": "object", "properties": {"name": {"type": "string"}}},
    })  # fmt: skip

    schema = converter.convert({"oneOf": [_ref("Cat"), _ref("Dog")]})

    assert "oneOf" not in schema
    assert Draft202012Validator(schema).is_valid({"name": "both match"})


def test_openapi_30_nullable_becomes_a_null_type_and_a_null_enum_member() -> None:
    converter = _converter({})

    schema = converter.convert({"type": "string", "enum": ["a"], "nullable": True})

    assert schema == {"type": ["string", "null"], "enum": ["a", None]}


def test_nullable_on_a_reference_allows_null_too() -> None:
    converter = _converter({"Pet": {"type": "object"}})

    schema = converter.convert({"allOf": [_ref("Pet")], "nullable": True})

    assert Draft202012Validator(schema).is_valid(None)


def test_openapi_30_boolean_exclusive_bounds_become_numbers() -> None:
    schema = _converter({}).convert(
        {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 5}
    )

    assert schema == {"type": "number", "exclusiveMinimum": 0, "maximum": 5}


def test_3_1_type_lists_and_ref_siblings_are_kept() -> None:
    converter = _converter({"Note": {"type": "string"}}, is_31=True)

    schema = converter.convert({"properties": {
        "a": {"type": ["integer", "null"]},
        "b": {"$ref": "#/components/schemas/Note", "maxLength": 3, "description": "d"},
    }})  # fmt: skip

    assert schema["properties"]["a"] == {"type": ["integer", "null"]}
    assert schema["properties"]["b"] == {"allOf": [{"type": "string"}, {"maxLength": 3}]}


def test_write_only_fields_are_not_required_in_responses() -> None:
    schema = _converter({}).convert({
        "type": "object", "required": ["name", "password"],
        "properties": {"name": {"type": "string"},
                       "password": {"type": "string", "writeOnly": True}},
    })  # fmt: skip

    assert schema["required"] == ["name"]


def test_all_of_parts_closed_with_additional_properties_false_are_opened() -> None:
    schema = _converter({}).convert({"allOf": [
        {"type": "object", "properties": {"a": {}}, "additionalProperties": False},
        {"type": "object", "properties": {"b": {}}, "additionalProperties": False},
    ]})  # fmt: skip

    assert Draft202012Validator(schema).is_valid({"a": 1, "b": 2})


def test_what_python_or_json_schema_cannot_read_is_dropped_so_the_schema_stays_valid() -> None:
    schema = _converter({}).convert({
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^\\p{Lu}+$"},
            "count": {"type": "integer", "minimum": "5", "maxLength": -1},
            "odd": {"type": "file", "multipleOf": 0},
        },
        "required": ["code", "code", 7],
        "patternProperties": {"[": {"type": "string"}},
    })  # fmt: skip

    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["code"] == {"type": "string"}
    assert schema["properties"]["count"] == {"type": "integer"}
    assert schema["required"] == ["code"]
