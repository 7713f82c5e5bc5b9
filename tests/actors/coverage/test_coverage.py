"""Schema coverage: documented responses exercised by suites and runs."""

from __future__ import annotations

from typing import Any

import pytest

from actors.coverage import ObservedCall, PathMatcher, compute_coverage
from actors.generate import InvalidOpenAPIDocument

DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/pets": {
            "get": {"responses": {"200": {"description": "ok"}}},
            "post": {"responses": {"201": {"description": "created"},
                                   "4XX": {"description": "bad"}}},
        },
        "/pets/mine": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/pets/{petId}": {
            "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "no"}}},
            "delete": {"responses": {"204": {"description": "gone"},
                                     "default": {"description": "error"}}},
        },
    },
}  # fmt: skip


def _suite(*steps: tuple[str, str, Any]) -> dict[str, Any]:
    return {
        "name": "s",
        "steps": [
            {"name": f"{m} {p}", "request": {"method": m, "path": p},
             "assertions": [{"type": "status_code", "expected": e}]}
            for m, p, e in steps
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/42", ("GET", "/pets/{petId}")),
        ("get", "/pets/{{petId}}", ("GET", "/pets/{petId}")),
        ("GET", "/pets/mine", ("GET", "/pets/mine")),
        ("GET", "/pets/42/", ("GET", "/pets/{petId}")),
        ("GET", "/pets?limit=3", ("GET", "/pets")),
        ("GET", "https://api.example.com/v1/pets/7", ("GET", "/pets/{petId}")),
        ("GET", "/v1/pets", ("GET", "/pets")),
        ("PUT", "/pets/42", None),
        ("GET", "/pets/42/photos", None),
    ],
)
def test_paths_match_their_template(method: str, path: str, expected: Any) -> None:
    ops = [(m.upper(), p) for p, item in DOC["paths"].items() for m in item]

    assert PathMatcher(ops, "/v1").match(method, path) == expected


def test_templates_with_partial_segments_match() -> None:
    matcher = PathMatcher([("GET", "/files/{name}.{ext}")])

    assert matcher.match("GET", "/files/report.pdf") == ("GET", "/files/{name}.{ext}")
    assert matcher.match("GET", "/files/report") is None


def test_observed_statuses_classify_operations() -> None:
    observed = [
        ObservedCall(method="GET", path="/pets", status=200),
        ObservedCall(method="POST", path="/pets", status=201),
        ObservedCall(method="POST", path="/pets", status=422),
        ObservedCall(method="GET", path="/pets/3", status=200),
        ObservedCall(method="DELETE", path="/pets/3", status=500),
    ]

    report = compute_coverage(DOC, [], observed)

    assert {(r.method, r.path) for r in report.covered} == {("GET", "/pets"), ("POST", "/pets")}
    assert {(r.method, r.path) for r in report.partly_covered} == {
        ("GET", "/pets/{petId}"), ("DELETE", "/pets/{petId}")}  # fmt: skip
    assert [(r.method, r.path) for r in report.uncovered] == [("GET", "/pets/mine")]
    assert report.total_operations == 5
    assert report.percentage == round(100 * 5 / 8, 2)


def test_details_list_documented_exercised_and_missing_codes() -> None:
    report = compute_coverage(DOC, [], [("GET", "/pets/9", 404), ("GET", "/pets/9", 418)])

    detail = next(d for d in report.operations if (d.method, d.path) == ("GET", "/pets/{petId}"))
    assert detail.documented == ["200", "404"]
    assert detail.exercised == ["404"]
    assert detail.missing == ["200"]
    assert detail.observed_statuses == [404, 418]
    assert detail.undocumented_statuses == [418]


def test_a_status_falls_under_its_range_then_default() -> None:
    report = compute_coverage(DOC, [], [("POST", "/pets", 400), ("DELETE", "/pets/1", 204),
                                        ("DELETE", "/pets/1", 409)])  # fmt: skip

    by_key = {(d.method, d.path): d for d in report.operations}
    assert by_key[("POST", "/pets")].exercised == ["4XX"]
    assert by_key[("DELETE", "/pets/{petId}")].status == "covered"


def test_calls_to_undocumented_operations_are_reported() -> None:
    report = compute_coverage(DOC, [], [("PATCH", "/pets/1", 200), ("PATCH", "/pets/1", 200)])

    assert [(c.method, c.path) for c in report.unmatched_calls] == [("PATCH", "/pets/1")]


def test_without_a_run_the_suites_status_assertions_stand_in() -> None:
    suite = _suite(("GET", "/pets/{{petId}}", [200, 404]), ("POST", "/pets", "4xx"),
                   ("GET", "/pets/mine", "2xx"))  # fmt: skip

    report = compute_coverage(DOC, [suite], None)

    by_key = {(d.method, d.path): d for d in report.operations}
    assert by_key[("GET", "/pets/{petId}")].status == "covered"
    assert by_key[("POST", "/pets")].exercised == ["4XX"]
    assert by_key[("GET", "/pets/mine")].exercised == ["200"]
    assert by_key[("GET", "/pets/{petId}")].steps == 1


def test_with_a_run_only_what_was_observed_counts() -> None:
    suite = _suite(("GET", "/pets", 200))

    report = compute_coverage(DOC, [suite], [])

    assert report.percentage == 0.0
    assert next(d for d in report.operations if d.path == "/pets").steps == 1


def test_a_document_that_is_not_openapi_raises() -> None:
    with pytest.raises(InvalidOpenAPIDocument):
        compute_coverage({"hello": "world"}, [], None)


def test_a_404_counts_only_once_another_call_shows_the_route_exists() -> None:
    alone = compute_coverage(DOC, [], [("GET", "/pets/9", 404)])
    reached = compute_coverage(DOC, [], [("GET", "/pets/9", 404), ("GET", "/pets/3", 200)])

    detail = next(d for d in alone.operations if d.path == "/pets/{petId}" and d.method == "GET")
    assert detail.exercised == [] and detail.unreached_statuses == [404]
    assert detail.status == "uncovered"
    detail = next(d for d in reached.operations if d.path == "/pets/{petId}" and d.method == "GET")
    assert detail.exercised == ["200", "404"] and detail.unreached_statuses == []
