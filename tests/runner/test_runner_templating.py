"""runner.templating: {{var}} substitution in step requests."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest

from runner import TemplateError, placeholders, render


def test_a_string_that_is_one_placeholder_keeps_the_value_type() -> None:
    variables = {"id": 7, "owner": {"name": "ann"}, "ok": True, "none": None}

    assert render("{{id}}", variables) == 7
    assert render("{{owner}}", variables) == {"name": "ann"}
    assert render("{{ok}}", variables) is True
    assert render("{{none}}", variables) is None


def test_a_placeholder_inside_text_is_interpolated() -> None:
    assert render("/pets/{{id}}/toys", {"id": 7}) == "/pets/7/toys"


def test_non_string_values_are_interpolated_as_json() -> None:
    variables = {"yes": True, "nothing": None, "obj": {"a": 1}}

    assert render("{{yes}}-{{nothing}}-{{obj}}", variables) == 'true-null-{"a":1}'


def test_render_recurses_into_dicts_lists_and_keys() -> None:
    value = {"{{key}}": ["{{a}}", {"deep": "x{{a}}"}], "n": 3}

    assert render(value, {"key": "name", "a": 1}) == {"name": [1, {"deep": "x1"}], "n": 3}


def test_whitespace_inside_the_braces_is_allowed() -> None:
    assert render("{{ id }}", {"id": 5}) == 5


def test_dotted_access_reads_nested_fields_and_list_items() -> None:
    variables = {"user": {"id": 42, "tags": ["a", "b"]}}

    assert render("{{user.id}}", variables) == 42
    assert render("{{user.tags.1}}", variables) == "b"


def test_a_variable_named_with_a_dot_wins_over_dotted_access() -> None:
    variables = {"pet.id": "literal", "pet": {"id": "nested"}}

    assert render("{{pet.id}}", variables) == "literal"


def test_an_unknown_variable_raises_a_template_error_naming_it() -> None:
    with pytest.raises(TemplateError, match="unknown variable 'petId'") as caught:
        render({"path": "/pets/{{petId}}"}, {})

    assert caught.value.name == "petId"


def test_a_missing_field_in_dotted_access_names_the_field() -> None:
    with pytest.raises(TemplateError, match="variable 'user' has no field 'email'"):
        render("{{user.email}}", {"user": {"id": 1}})


def test_builtins_produce_fresh_unique_data() -> None:
    first, second = render("{{$uuid}}", {}), render("{{$uuid}}", {})

    assert first != second
    assert uuid.UUID(first).version == 4


def test_timestamp_builtins_give_the_current_time() -> None:
    stamp = render("{{$timestamp}}", {})
    iso = render("{{$isoTimestamp}}", {})

    assert isinstance(stamp, int) and abs(stamp - time.time()) < 5
    assert iso.endswith("Z")
    assert abs(datetime.fromisoformat(iso).timestamp() - time.time()) < 5


def test_random_int_builtin_is_an_integer() -> None:
    assert isinstance(render("{{$randomInt}}", {}), int)


def test_an_unknown_builtin_raises_a_template_error() -> None:
    with pytest.raises(TemplateError, match=r"unknown built-in '\$nope'"):
        render("{{$nope}}", {})


def test_text_without_placeholders_is_returned_unchanged() -> None:
    assert render("a {{ not a var }} b", {}) == "a {{ not a var }} b"


def test_placeholders_lists_the_variables_a_value_uses() -> None:
    value = {"path": "/pets/{{petId}}", "h": ["{{token}}", "{{$uuid}}"], "{{k}}": 1}

    assert placeholders(value) == {"petId", "token", "k"}
