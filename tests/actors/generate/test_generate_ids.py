"""Where dependent steps find their ids, and requests real APIs accept: the id under an
envelope or in a Location header, an existing one from a list, JSON asked for, the
documented media types sent, broken examples replaced."""

from __future__ import annotations

from typing import Any

from actors.generate import GeneratedSuite, generate_suites
from runner import HeaderAssertion, Step

ITEM = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
ID = [{"name": "bookingId", "in": "path", "required": True, "schema": {"type": "string"}}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _document(paths: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}


def _candidates(paths: dict[str, Any]) -> list[GeneratedSuite]:
    return generate_suites(_document(paths), max_test_suites=50, max_candidates=50).candidates


def _read(status: int = 200) -> dict[str, Any]:
    return {"get": {"responses": {str(status): {"description": "one", "content": _json(ITEM)}}}}


def _create(response: dict[str, Any]) -> dict[str, Any]:
    body = {
        "required": True,
        "content": _json({"type": "object", "properties": {"name": {"type": "string"}}}),
    }
    return {"post": {"requestBody": body, "responses": {"201": response}}}


def _flow(candidates: list[GeneratedSuite]) -> list[Step]:
    return next(c for c in candidates if c.kind == "flow").suite.steps


def test_an_id_named_like_the_parameter_under_a_data_envelope_chains_the_flow() -> None:
    made = {
        "type": "object",
        "properties": {"data": {"type": "object", "properties": {"bookingId": {"type": "string"}}}},
    }
    paths = {"/bookings": _create({"description": "made", "content": _json(made)}),
             "/bookings/{bookingId}": {"parameters": ID, **_read()}}  # fmt: skip

    steps = _flow(_candidates(paths))

    assert steps[0].extract == {"bookingId": "$.data.bookingId"}
    assert steps[1].request.path == "/bookings/{{bookingId}}"


def test_a_location_header_is_followed_when_the_answer_has_no_id() -> None:
    located = {"description": "made", "headers": {"Location": {"schema": {"type": "string"}}}}
    paths = {"/bookings": _create(located), "/bookings/{bookingId}": {"parameters": ID, **_read()}}

    steps = _flow(_candidates(paths))

    assert steps[0].extract == {"bookingId": "header:location"}
    assert steps[1].request.path == "{{bookingId}}"


def test_without_a_create_an_existing_id_comes_from_the_list_with_a_generated_fallback() -> None:
    listing = {"type": "object", "properties": {"items": {"type": "array", "items": ITEM}}}
    paths = {"/bookings": {"get": {"responses": {"200": {"description": "all", "content": _json(listing)}}}},
             "/bookings/{bookingId}": {"parameters": ID, **_read()}}  # fmt: skip

    reads = [
        c
        for c in _candidates(paths)
        if c.operation == "GET /bookings/{bookingId}" and c.kind == "positive"
    ]

    assert [c.fallback for c in reads] == [False, True]
    first, fallback = reads[0].suite.steps, reads[1].suite.steps
    assert first[0].name.startswith("setup: find bookingId") and first[0].extract == {
        "bookingId": "$.items[0].id"
    }
    assert len(fallback) == 1 and "{{" not in fallback[0].request.path


def test_json_is_asked_for_even_when_xml_is_documented_first() -> None:
    content = {"application/xml": {"schema": ITEM}, "application/json": {"schema": ITEM}}
    paths = {"/things": {"get": {"responses": {"200": {"description": "all", "content": content}}}}}

    step = _candidates(paths)[0].suite.steps[0]

    assert step.request.headers["Accept"] == "application/json"
    header = next(a for a in step.assertions if isinstance(a, HeaderAssertion))
    assert (header.name, header.op, header.expected) == ("content-type", "contains", "json")


def test_a_text_only_answer_is_asked_for_as_documented() -> None:
    content = {"text/csv": {"schema": {"type": "string"}}}
    paths = {"/report": {"get": {"responses": {"200": {"description": "csv", "content": content}}}}}

    step = _candidates(paths)[0].suite.steps[0]

    assert step.request.headers["Accept"] == "text/csv"
    assert any(isinstance(a, HeaderAssertion) and a.expected == "text/csv" for a in step.assertions)


def test_a_vendor_json_body_is_sent_with_its_documented_media_type() -> None:
    vendor = {
        "application/vnd.api+json": {
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}}
        }
    }
    paths = {"/things": {"post": {"requestBody": {"required": True, "content": vendor},
                                  "responses": {"201": {"description": "made"}}}}}  # fmt: skip

    request = _candidates(paths)[0].suite.steps[0].request

    assert request.content_type == "application/vnd.api+json" and isinstance(request.body, dict)


def test_a_parameter_example_its_own_format_refuses_is_replaced() -> None:
    broken = {"name": "tripId", "in": "query", "required": True, "example": "4f4e4e1-c824-4d63-b37a-d8d698862f1d",
              "schema": {"type": "string", "format": "uuid"}}  # fmt: skip
    paths = {
        "/trips": {"get": {"parameters": [broken], "responses": {"200": {"description": "ok"}}}}
    }

    value = _candidates(paths)[0].suite.steps[0].request.query["tripId"]

    assert isinstance(value, str) and value != broken["example"] and len(value) == 36
