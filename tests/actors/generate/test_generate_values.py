"""Valid values from schemas: examples first, then enums, formats, bounds and patterns;
always the same for the same seed."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from actors.generate.jsonschema import SchemaConverter
from actors.generate.refs import Resolver
from actors.generate.regex import RegexUnsupported, string_matching
from actors.generate.schemaview import SchemaView
from actors.generate.values import ValueGenerator


def _gen(schemas: dict[str, Any] | None = None, *, is_31: bool = False) -> ValueGenerator:
    resolver = Resolver({"components": {"schemas": schemas or {}}})
    return ValueGenerator(SchemaView(resolver, is_31=is_31))


def _value(schema: Any, seed: int = 0, **kw: Any) -> Any:
    return _gen(kw.pop("schemas", None)).valid(schema, random.Random(seed), **kw)


def _valid(schema: dict[str, Any], value: Any) -> bool:
    converted = SchemaConverter(Resolver({}), is_31=False).convert(schema, "request")
    checker = Draft202012Validator.FORMAT_CHECKER
    return Draft202012Validator(converted, format_checker=checker).is_valid(value)


FORMATS = ["date-time", "date", "time", "email", "uuid", "uri", "ipv4", "ipv6", "hostname",
           "duration", "json-pointer", "regex"]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_formatted_strings_are_valid_in_their_format(fmt: str) -> None:
    schema = {"type": "string", "format": fmt}

    for seed in range(20):
        assert _valid(schema, _value(schema, seed)), fmt


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "minimum": 5, "maximum": 7},
        {"type": "integer", "exclusiveMinimum": True, "minimum": 0, "maximum": 1},
        {"type": "integer", "minimum": 10, "multipleOf": 7},
        {"type": "integer", "maximum": -50},
        {"type": "number", "exclusiveMaximum": True, "maximum": 0.5, "minimum": 0.4},
        {"type": "string", "minLength": 30},
        {"type": "string", "maxLength": 2},
        {"type": "string", "pattern": "^[A-Z]{3}-\\d{2,4}$"},
        {"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 6},
        {"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True},
        {"type": "array", "items": {"type": "boolean"}, "maxItems": 0},
        {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2},
        {"type": "string", "enum": ["a", "b"], "nullable": True},
    ],
)
def test_generated_values_respect_bounds_patterns_and_enums(schema: dict[str, Any]) -> None:
    for seed in range(20):
        assert _valid(schema, _value(schema, seed)), (schema, _value(schema, seed))


def test_the_same_seed_gives_the_same_value_and_another_seed_another() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                                               "n": {"type": "integer"}}}  # fmt: skip

    assert _value(schema, 1) == _value(schema, 1)
    assert _value(schema, 1) != _value(schema, 2)


def test_examples_come_first_then_defaults() -> None:
    assert _value({"type": "string", "example": "Rex"}) == "Rex"
    assert _value({"type": "string", "examples": ["a", "b"]}) == "a"
    assert _value({"type": "integer", "default": 20}) == 20


def test_examples_can_be_ignored_when_they_contradict_the_schema() -> None:
    schema = {"type": "integer", "minimum": 1, "example": "not a number"}

    assert isinstance(_value(schema, use_examples=False), int)


def test_request_values_leave_read_only_fields_out_and_response_ones_write_only() -> None:
    schema = {"type": "object", "properties": {
        "id": {"type": "integer", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
        "name": {"type": "string"}}}  # fmt: skip

    assert set(_value(schema)) == {"password", "name"}
    assert set(_value(schema, direction="response")) == {"id", "name"}


def test_all_of_is_merged_and_the_discriminator_names_the_chosen_branch() -> None:
    schemas = {
        "Pet": {"type": "object", "required": ["kind", "name"],
                "properties": {"kind": {"type": "string"}, "name": {"type": "string"}}},
        "Dog": {"allOf": [{"$ref": "#/components/schemas/Pet"},
                          {"properties": {"bark": {"type": "boolean"}}}]},
        "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}]},
    }  # fmt: skip
    schema = {"oneOf": [{"$ref": "#/components/schemas/Dog"}, {"$ref": "#/components/schemas/Cat"}],
              "discriminator": {"propertyName": "kind",
                                "mapping": {"doggo": "#/components/schemas/Dog"}}}  # fmt: skip

    value = _value(schema, schemas=schemas)

    assert value["kind"] == "doggo"
    assert set(value) == {"kind", "name", "bark"}


def test_recursive_schemas_end() -> None:
    node = {"$ref": "#/components/schemas/Node"}
    schemas = {
        "Node": {"type": "object", "required": ["next"],
                 "properties": {"next": node, "kids": {"type": "array", "items": node}}},
    }  # fmt: skip

    value = _value({"$ref": "#/components/schemas/Node"}, schemas=schemas)

    assert value == {"next": {}, "kids": []}


def test_3_1_type_lists_pick_a_non_null_type() -> None:
    gen = _gen(is_31=True)

    assert isinstance(gen.valid({"type": ["null", "integer"]}, random.Random(0)), int)


def test_regex_strings_match_and_do_not_depend_on_hash_order() -> None:
    pattern = "^[^/a-c\\d]{2,}(x|yz)+\\w$"

    first = string_matching(pattern, random.Random(3))

    assert re.search(pattern, first)
    assert first == string_matching(pattern, random.Random(3))


@pytest.mark.parametrize("pattern", ["^\\p{L}+$", "(?=.*[A-Z]).{8}", "["])
def test_patterns_beyond_the_generator_raise_regex_unsupported(pattern: str) -> None:
    with pytest.raises(RegexUnsupported):
        string_matching(pattern, random.Random(0))
