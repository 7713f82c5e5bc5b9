"""What each kind of case asks of the API: positives the documented success and schema,
negatives a 4xx for exactly one broken thing, flows the life of one resource."""

from __future__ import annotations

from actors.generate import GeneratedSuite, generate_suites
from runner import SchemaAssertion, StatusCodeAssertion, Step
from tests.actors.generate.conftest import read


def _cases(name: str = "pets-crud.yaml") -> list[GeneratedSuite]:
    return generate_suites(read(name), max_test_suites=200, max_candidates=200).candidates


def _one(kind: str, operation: str, name: str = "pets-crud.yaml") -> GeneratedSuite:
    found = [g for g in _cases(name) if g.kind == kind and g.operation == operation]
    assert found, f"no {kind} case for {operation}"
    return found[0]


def _target(generated: GeneratedSuite) -> Step:
    return next(s for s in generated.suite.steps if not s.name.startswith(("setup", "cleanup")))


def _status(step: Step) -> object:
    first = step.assertions[0]
    assert isinstance(first, StatusCodeAssertion)
    return first.expected


def test_a_positive_case_expects_the_documented_success_and_schema() -> None:
    step = _target(_one("positive", "POST /pets"))

    assert _status(step) == 201
    schema = next(a for a in step.assertions if isinstance(a, SchemaAssertion)).schema_
    assert schema["required"] == ["id", "name"]


def test_a_positive_case_uses_the_documented_example() -> None:
    step = _target(_one("positive", "POST /pets"))

    assert step.request.body == {"name": "Rex", "tag": "dog", "status": "available", "age": 3}


def test_a_positive_case_on_an_item_creates_it_first_and_deletes_it_after() -> None:
    suite = _one("positive", "GET /pets/{petId}").suite

    assert [(s.request.method, s.request.path) for s in suite.steps] == [
        ("POST", "/pets"),
        ("GET", "/pets/{{petId}}"),
        ("DELETE", "/pets/{{petId}}"),
    ]
    assert suite.steps[0].extract == {"petId": "$.id"}


def test_nested_resources_are_created_outermost_first_and_deleted_innermost_first() -> None:
    suite = _one("positive", "GET /owners/{ownerId}/visits/{visitId}").suite

    assert [(s.request.method, s.request.path) for s in suite.steps] == [
        ("POST", "/owners"),
        ("POST", "/owners/{{ownerId}}/visits"),
        ("GET", "/owners/{{ownerId}}/visits/{{visitId}}"),
        ("DELETE", "/owners/{{ownerId}}/visits/{{visitId}}"),
        ("DELETE", "/owners/{{ownerId}}"),
    ]


def test_deleting_is_not_followed_by_a_cleanup_of_the_same_resource() -> None:
    suite = _one("positive", "DELETE /pets/{petId}").suite

    assert [s.request.method for s in suite.steps] == ["POST", "DELETE"]


def test_negative_cases_each_break_one_thing_and_expect_a_4xx() -> None:
    negatives = {g.slug: _target(g) for g in _cases() if g.operation == "POST /pets"
                 and g.kind == "negative"}  # fmt: skip
    valid = _target(_one("positive", "POST /pets")).request.body

    assert set(negatives) == {
        "negative-post-pets-missing-name",
        "negative-post-pets-wrong-type-age",
        "negative-post-pets-out-of-range-name",
        "negative-post-pets-bad-enum-status",
    }
    assert all(_status(step) == "4xx" for step in negatives.values())
    assert "name" not in negatives["negative-post-pets-missing-name"].request.body
    assert negatives["negative-post-pets-wrong-type-age"].request.body["age"] == "not-a-number"
    assert len(negatives["negative-post-pets-out-of-range-name"].request.body["name"]) == 41
    assert set(negatives["negative-post-pets-bad-enum-status"].request.body) <= set(valid)


def test_negative_cases_break_parameters_too() -> None:
    slugs = {g.slug for g in _cases() if g.kind == "negative"}

    assert "negative-get-stats-missing-query-period" in slugs
    assert "negative-get-pets-wrong-type-query-limit" in slugs
    assert "negative-get-pets-petid-wrong-type-path-petid" in slugs


def test_a_flow_creates_reads_updates_deletes_and_finds_it_gone() -> None:
    suite = _one("flow", "POST /pets").suite

    assert [s.name.split(" (")[0] for s in suite.steps] == [
        "create",
        "read after create",
        "update",
        "read after update",
        "delete",
        "read after delete is gone",
    ]
    assert _status(suite.steps[-1]) == 404


def test_a_flow_reads_back_a_field_it_wrote() -> None:
    suite = _one("flow", "POST /pets").suite
    sent = suite.steps[0].request.body

    check = [a for a in suite.steps[1].assertions if a.type == "json_path"]
    assert [(a.path, a.expected) for a in check] == [("$.name", sent["name"])]  # type: ignore[union-attr]


def test_an_openapi_link_says_where_the_id_is() -> None:
    suite = _one("positive", "GET /things/{key}", "edge/links-and-envelopes.yaml").suite

    assert suite.steps[0].extract == {"key": "$.ref"}


def test_an_id_inside_an_envelope_is_found() -> None:
    suite = _one("positive", "DELETE /boxes/{boxId}", "edge/links-and-envelopes.yaml").suite

    assert suite.steps[0].extract == {"boxId": "$.data.box_id"}


def test_an_operation_without_a_documented_success_expects_any_2xx() -> None:
    step = _target(_one("positive", "POST /pet", "public/oas30-petstore.yaml"))

    assert _status(step) == "2xx"
