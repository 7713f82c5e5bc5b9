"""Generation checks every response schema it writes against the JSON Schema meta-schema,
each subschema object once however many suites share it (issue 13: checking bkk.hu's 22
inlined response schemas took 2-4 s). The shortcut must not change a verdict: a schema is
refused, or not, with jsonschema's own reason, whatever the order the shared objects come
in, inside a shared block or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

import runner.schemas
from actors.generate import generate_suites
from runner import schema_checks_shared, schema_refusal, suite_to_dict
from tests.actors.generate.conftest import DATA

ITEM = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
BROKEN = {"type": "object", "properties": {"id": {"type": "integer", "minimum": "zero"}}}


def _nested(levels: int, inner: Any) -> dict[str, Any]:
    schema: dict[str, Any] = inner
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


SCHEMAS: dict[str, Any] = {
    "shared item": {"type": "array", "items": ITEM},
    "shared item, invalid root": {"type": "array", "items": ITEM, "minItems": -1},
    "shared invalid subschema": {"properties": {"item": BROKEN}},
    "shared invalid subschema, deeper": {"allOf": [ITEM, {"properties": {"x": BROKEN}}]},
    "misspelt type next to a shared item": {"properties": {"a": ITEM, "b": {"type": "strnig"}}},
    "not a regular expression": {"properties": {"code": {"type": "string", "pattern": "("}}},
    "required twice": {"required": ["id", "id"], "properties": {"id": ITEM}},
    "reference leaving the schema": {"items": {"$ref": "#/$defs/missing"}},
    "reference inside": {"$defs": {"item": ITEM}, "items": {"$ref": "#/$defs/item"}},
    "shared item nested 30 deep": _nested(30, ITEM),
    "shared item nested 150 deep": _nested(150, ITEM),
    "boolean subschemas": {"properties": {"a": True, "b": False}, "items": ITEM},
}


def _jsonschema_reason(schema: Any) -> str | None:
    """What the meta-schema check said before the shortcut: jsonschema's own check."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"not a valid JSON Schema: {exc.message}"
    except RecursionError:
        return "not a valid JSON Schema: nested too deeply"
    return None


def _assert_same_verdict(name: str, refusal: str | None) -> None:
    expected = _jsonschema_reason(SCHEMAS[name])
    if expected is not None:
        assert refusal == expected, name
    else:  # valid for the meta-schema: refused, if at all, by the later checks
        assert refusal is None or not refusal.startswith("not a valid JSON Schema"), name


@pytest.mark.parametrize("order", [1, -1], ids=["in order", "reversed"])
@pytest.mark.parametrize("shared", [True, False], ids=["shared block", "one by one"])
def test_each_schema_gets_jsonschema_s_own_verdict_and_reason(order: int, shared: bool) -> None:
    names = list(SCHEMAS)[::order]
    verdicts: dict[str, str | None] = {}
    if shared:
        with schema_checks_shared():
            verdicts = {name: schema_refusal(SCHEMAS[name]) for name in names}
    else:
        verdicts = {name: schema_refusal(SCHEMAS[name]) for name in names}
    for name, refusal in verdicts.items():
        _assert_same_verdict(name, refusal)
    assert verdicts["shared item"] is None
    assert verdicts["shared invalid subschema"] == (
        "not a valid JSON Schema: 'zero' is not of type 'number'"
    )
    assert verdicts["shared item nested 150 deep"] == "not a valid JSON Schema: nested too deeply"
    assert verdicts["reference leaving the schema"] is not None
    assert "does not resolve inside the schema" in verdicts["reference leaving the schema"]


def test_an_invalid_schema_stays_refused_however_often_it_is_checked() -> None:
    with schema_checks_shared():
        first = [schema_refusal(SCHEMAS["shared invalid subschema"]) for _ in range(3)]
        inner = [schema_refusal(BROKEN) for _ in range(2)]
    assert first == [first[0]] * 3 and first[0] is not None
    assert inner == [inner[0]] * 2 and inner[0] is not None


def test_a_subschema_seen_valid_higher_up_does_not_pass_a_schema_too_deep_to_check() -> None:
    deep = _nested(40, ITEM)
    with schema_checks_shared():
        assert schema_refusal(deep) is None
        assert schema_refusal(_nested(60, deep)) == "not a valid JSON Schema: nested too deeply"


def _plain_meta_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.schemas, "_check_meta", Draft202012Validator.check_schema)


def _generated(path: Path) -> list[Any]:
    result = generate_suites(path.read_text(), max_test_suites=1000, max_candidates=1000)
    suites = [(g.slug, g.kind, suite_to_dict(g.suite)) for g in result.candidates]
    return [suites, [o.model_dump() for o in result.operations]]


@pytest.mark.parametrize(
    "name",
    ["public/oas31-train-travel.yaml", "public/oas30-uspto.yaml", "public/oas30-polymorphism.json"],
)
def test_generation_keeps_the_same_suites_as_with_jsonschema_s_check(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _generated(DATA / name)
    _plain_meta_check(monkeypatch)
    assert _generated(DATA / name) == fast
