"""runner.extract: values saved as variables for later steps."""

from __future__ import annotations

import pytest

from runner import ExtractionError, extract_all, extract_value
from tests.runner.factories import observed


def test_a_json_path_extracts_the_value_with_its_type() -> None:
    assert extract_value("$.id", observed(json_body={"id": 7})) == 7


def test_a_wildcard_path_extracts_every_match_as_a_list() -> None:
    response = observed(json_body={"items": [{"id": 1}, {"id": 2}]})

    assert extract_value("$.items[*].id", response) == [1, 2]


def test_a_header_is_extracted_whatever_the_case_of_its_name() -> None:
    response = observed(headers={"Location": "/pets/7"})

    assert extract_value("header:Location", response) == "/pets/7"


def test_status_extracts_the_status_code() -> None:
    assert extract_value("status", observed(201)) == 201


def test_a_present_null_is_a_value_not_a_miss() -> None:
    assert extract_value("$.next", observed(json_body={"next": None})) is None


def test_a_missing_path_raises_with_the_path() -> None:
    with pytest.raises(ExtractionError, match=r"^\$\.id is not in the response$"):
        extract_value("$.id", observed(json_body={"name": "rex"}))


def test_a_missing_header_raises_with_its_name() -> None:
    with pytest.raises(ExtractionError, match="header location is not in the response"):
        extract_value("header:location", observed())


def test_a_path_on_a_non_json_body_says_what_came_instead() -> None:
    html = observed(body=b"<html/>", headers={"content-type": "text/html"})

    with pytest.raises(ExtractionError, match=r"response is not JSON \(text/html, 7 B\)"):
        extract_value("$.id", html)


def test_extract_all_keeps_the_values_found_and_the_reason_for_each_miss() -> None:
    response = observed(201, json_body={"id": 7})

    outcome = extract_all({"petId": "$.id", "code": "status", "etag": "header:etag"}, response)

    assert outcome.values == {"petId": 7, "code": 201}
    assert outcome.failures == {"etag": "header etag is not in the response"}
    assert not outcome.ok
