"""Recognising typical noise, and finding what differs between identical calls."""

from __future__ import annotations

import json

import pytest

from actors.normalize.noise_detect import by_pattern, by_variance
from actors.normalize.patterns import is_noisy_header, noise_kind, with_article
from actors.normalize.variance import noise_paths, varying_headers, varying_parts
from runner import HeaderAssertion, JsonPathAssertion, ObservedResponse


def response(body: object, **headers: str) -> ObservedResponse:
    return ObservedResponse(200, headers, json.dumps(body).encode(), 1.0)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2025-01-01T00:00:00Z", "RFC 3339 time"),
        ("2025-06-30T23:59:59.123456+02:00", "RFC 3339 time"),
        ("2025-06-30 23:59:59", "RFC 3339 time"),
        ("Tue, 25 Nov 2025 08:12:31 GMT", "HTTP date"),
        ("3f2b8c1e-9d4a-4b7e-8f10-2a6c5d9e0b13", "UUID"),
        ("{3F2B8C1E-9D4A-4B7E-8F10-2A6C5D9E0B13}", "UUID"),
        ("01HF8Z3Q4R5S6T7V8W9X0Y1Z2A", "ULID"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "JWT"),
        ("9f86d081884c7d659a2feaa0c55ad015", "random token"),
        ("dGhpcyBpcyBhIHRva2VuIDEyMw8xZ", "random token"),
        ('W/"5d41402abc4b2a76b9719d911017c592"', "random token"),
    ],
)
def test_typical_noise_is_recognised(value: str, kind: str) -> None:
    assert noise_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "rex",
        "customer_account_status_2",
        "HelloWorldFooBar",
        "abc123",
        "ann@example.com",
        "2025-01-01",
        "application/json; charset=utf-8",
        "aaaaaaaaaaaaaaaaaaaa1111111111",
        1732435200,
        None,
        "The quick brown fox jumps over 13 lazy dogs",
    ],
)
def test_ordinary_values_are_not_noise(value: object) -> None:
    assert noise_kind(value) is None


def test_kinds_read_with_their_article() -> None:
    kinds = ["RFC 3339 time", "HTTP date", "UUID", "ULID", "JWT", "random token"]
    assert [with_article(k) for k in kinds] == [
        "an RFC 3339 time",
        "an HTTP date",
        "a UUID",
        "a ULID",
        "a JWT",
        "a random token",
    ]


def test_date_etag_and_request_id_headers_are_noisy_by_name() -> None:
    assert all(is_noisy_header(h) for h in ("Date", "ETag", "x-request-id", "Last-Modified"))
    assert not any(is_noisy_header(h) for h in ("content-type", "location", "cache-control"))


def test_varying_parts_finds_leaves_keys_and_resized_arrays() -> None:
    first = {
        "id": 1,
        "at": "a",
        "tags": ["x"],
        "items": [{"n": 1, "t": 1}, {"n": 2, "t": 2}],
        "gone": 1,
    }
    second = {"id": 1, "at": "b", "tags": ["x", "y"], "items": [{"n": 1, "t": 9}, {"n": 2, "t": 8}]}
    assert varying_parts([first, second]) == {
        ("at",),
        ("tags",),
        ("items", 0, "t"),
        ("items", 1, "t"),
        ("gone",),
    }


def test_noise_paths_are_generalised_and_deduplicated() -> None:
    parts = {("items", 0, "t"), ("items", 1, "t"), ("meta",), ("meta", "at"), ("odd key",)}
    assert noise_paths(parts) == ["$.meta", "$['odd key']", "$.items[*].t"]


def test_identical_documents_vary_nowhere_and_one_sample_compares_nothing() -> None:
    assert varying_parts([{"a": [1, {"b": True}]}, {"a": [1, {"b": True}]}]) == set()
    assert varying_parts([{"a": 1}]) == set()
    assert varying_parts([1, 1.0]) == set()
    assert varying_parts([True, 1]) == {()}


def test_varying_headers_compares_names_in_any_case() -> None:
    assert varying_headers([{"Date": "1", "X": "a"}, {"date": "2", "x": "a", "new": "1"}]) == {
        "date",
        "new",
    }


def test_variance_marks_json_paths_and_headers_that_differ() -> None:
    samples = [
        response({"id": 1, "at": "12:00:01.1"}, **{"x-request-id": "a", "content-type": "j"}),
        response({"id": 1, "at": "12:00:01.2"}, **{"x-request-id": "b", "content-type": "j"}),
    ]
    found = {f.entry: f.why for f in by_variance(samples)}
    assert found == {
        "header:x-request-id": "differs between identical calls",
        "$.at": "differs between identical calls",
    }


def test_variance_of_non_json_bodies_reports_headers_only() -> None:
    samples = [
        ObservedResponse(200, {"etag": "1"}, b"<html>1", 1.0),
        ObservedResponse(200, {"etag": "2"}, b"<html>2", 1.0),
    ]
    assert [f.entry for f in by_variance(samples)] == ["header:etag"]


def test_pattern_noise_needs_a_changed_value_in_a_failed_identity_comparison() -> None:
    observed = response(
        {
            "id": "3f2b8c1e-9d4a-4b7e-8f10-2a6c5d9e0b13",
            "owner": "7a1c3e5f-0000-4b7e-8f10-2a6c5d9e0b13",
            "at": "2025-01-01T00:00:00Z",
        },
        date="Tue, 25 Nov 2025 08:12:31 GMT",
    )
    failed = [
        JsonPathAssertion.model_validate(
            {
                "type": "json_path",
                "path": "$",
                "op": "eq",
                "expected": {
                    "id": "00000000-9d4a-4b7e-8f10-2a6c5d9e0b13",
                    "owner": "7a1c3e5f-0000-4b7e-8f10-2a6c5d9e0b13",
                },
            }
        ),
        JsonPathAssertion.model_validate(
            {"type": "json_path", "path": "$.at", "op": "matches", "expected": "^x"}
        ),
        HeaderAssertion.model_validate(
            {"type": "header", "name": "Date", "op": "eq", "expected": "then"}
        ),
    ]
    found = {f.entry: f.why for f in by_pattern(failed, observed)}
    assert found == {
        "$.id": "looks like a UUID",
        "$.at": "looks like an RFC 3339 time",
        "header:date": "the date header changes by design",
    }, "the unchanged owner UUID stays; a failed 'matches' says the format changed"
