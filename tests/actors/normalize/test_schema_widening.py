"""Widening a schema only as far as an observed document needs, and refusing what has no
safe widening or would accept anything."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from actors.normalize.schema_widen import CannotWiden, accepts_anything, widen

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string", "maxLength": 5}},
    "additionalProperties": False,
}


def widened(schema: Any, document: Any) -> Any:
    result = widen(schema, document)
    assert Draft202012Validator(result.schema).is_valid(document)
    return result


def test_a_conforming_document_changes_nothing() -> None:
    result = widened(PET, {"id": 1, "name": "rex"})
    assert result.schema == PET and result.notes == []


def test_a_new_type_is_added_beside_the_old_one() -> None:
    result = widened(PET, {"id": "7", "name": "rex"})
    assert result.schema["properties"]["id"] == {"type": ["integer", "string"]}
    assert result.notes == ["$.id: type 'integer' → ['integer', 'string']"]


def test_a_renamed_field_leaves_required_and_gets_a_type_only_schema() -> None:
    result = widened(PET, {"id": 1, "title": "rex"})
    assert result.schema["required"] == ["id"]
    assert result.schema["properties"]["title"] == {"type": "string"}
    assert result.schema["properties"]["name"] == PET["properties"]["name"], "kept for old data"
    assert result.schema["additionalProperties"] is False, "other new fields still fail"


def test_bounds_move_to_the_observed_value_only() -> None:
    schema = {
        "type": "array",
        "maxItems": 2,
        "items": {"type": "number", "minimum": 0, "exclusiveMaximum": 10},
    }
    result = widened(schema, [1, -3, 12])
    assert result.schema == {
        "type": "array",
        "maxItems": 3,
        "items": {"type": "number", "minimum": -3, "maximum": 12},
    }
    assert widened(PET, {"id": 1, "name": "rexanne"}).schema["properties"]["name"]["maxLength"] == 7


def test_enum_const_and_pattern_admit_exactly_the_observed_value() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["cat", "dog"]},
            "v": {"const": 1},
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    }
    result = widened(schema, {"kind": "fox", "v": 2, "code": "ab-1"})
    props = result.schema["properties"]
    assert props["kind"] == {"enum": ["cat", "dog", "fox"]}
    assert props["v"] == {"enum": [1, 2]}
    validator = Draft202012Validator(props["code"])
    assert (
        validator.is_valid("ABC") and validator.is_valid("ab-1") and not validator.is_valid("ab-2")
    )


def test_any_of_widens_the_closest_branch() -> None:
    schema = {"anyOf": [{"type": "string"}, {"type": "object", "required": ["a", "b"]}]}
    result = widened(schema, {"a": 1})
    assert result.schema == {"anyOf": [{"type": "string"}, {"type": "object", "required": ["a"]}]}


def test_violations_under_noise_are_left_alone() -> None:
    result = widen(PET, {"id": 1, "name": 5}, covered=lambda parts: parts[:1] == ("name",))
    assert result.schema == PET


@pytest.mark.parametrize(
    ("schema", "document", "why"),
    [
        ({"type": "integer", "multipleOf": 5}, 7, "'multipleOf' cannot be widened"),
        ({"not": {"type": "string"}}, "x", "'not' cannot be widened"),
        ({"$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n"}, "x", "uses $ref"),
        ({"type": "array", "items": False}, [1], "'items' cannot be widened"),
        ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "zz", "several oneOf branches"),
    ],
)
def test_violations_without_a_safe_widening_are_refused(
    schema: Any, document: Any, why: str
) -> None:
    with pytest.raises(CannotWiden, match=why.replace("$", r"\$")):
        widen(schema, document)


def test_the_input_schema_is_never_modified() -> None:
    before = repr(PET)
    widen(PET, {"id": "x", "extra": True})
    assert repr(PET) == before


@pytest.mark.parametrize(
    ("schema", "anything"),
    [
        ({}, True),
        (True, True),
        ({"title": "Pet", "description": "any"}, True),
        ({"type": ["string", "integer", "boolean", "object", "array", "null"]}, True),
        ({"type": ["string", "number", "boolean", "object", "array"]}, False),
        ({"type": "object"}, False),
        ({"required": ["id"]}, False),
        (False, False),
    ],
)
def test_accepts_anything(schema: Any, anything: bool) -> None:
    assert accepts_anything(schema) is anything
