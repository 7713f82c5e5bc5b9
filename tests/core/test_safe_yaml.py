"""The one YAML loader: the JSON data model only, every other YAML feature refused with
a one-line reason and its line."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.safe_yaml import YAMLRefused, load
from tests.support.hostile_yaml import DATED_DOCUMENT, HOSTILE_YAML


@pytest.mark.parametrize("name", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_refused_naming_the_feature(name: str) -> None:
    text, words = HOSTILE_YAML[name]

    with pytest.raises(YAMLRefused) as caught:
        load(text)

    assert isinstance(caught.value, ValidationFailed)
    assert words in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.line is not None and caught.value.line >= 3


def test_dates_stay_strings_and_json_types_load() -> None:
    doc = load(DATED_DOCUMENT)

    assert doc["info"]["version"] == "2024-01-01"
    content = doc["paths"]["/things"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["example"] == {"since": "2023-12-31"}
    assert load("a: 1\nb: 1.5\nc: true\nd: null\ne: !!str 7\nf: [x, {g: h}]\n200: ok\n") == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": "7",
        "f": ["x", {"g": "h"}],
        200: "ok",
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: {<<: {b: 1}}\n", "merge keys"),
        ("? [a, b]\n: c\n", "keys must be scalars"),
        ("a: [1, 2\n", "invalid YAML"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_other_refusals(text: str | bytes, words: str) -> None:
    with pytest.raises(YAMLRefused) as caught:
        load(text)

    assert words in caught.value.message


def test_depth_and_size_bounds_are_the_callers_choice() -> None:
    nested = "a: " + "[" * 10 + "]" * 10

    assert load(nested, max_depth=11) == {"a": [[[[[[[[[[]]]]]]]]]]}
    with pytest.raises(YAMLRefused, match="nested deeper than 10"):
        load(nested, max_depth=10)
    with pytest.raises(YAMLRefused, match="larger than 8 bytes"):
        load("a: 123456789", max_bytes=8)


def test_empty_text_is_none() -> None:
    assert load("") is None
    assert load("# only a comment\n") is None
