"""runner.prepare: from a step's request template to the bytes sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runner import TemplateError
from runner.prepare import build_request, join_url
from runner.suite import Request

BASE = "http://127.0.0.1:8000/api/"


def build(variables: dict[str, Any] | None = None, **fields: Any) -> Any:
    return build_request(Request.model_validate(fields), variables or {}, BASE)


def test_the_path_is_joined_to_the_base_url_once() -> None:
    assert build(path="/pets").url == "http://127.0.0.1:8000/api/pets"


def test_an_absolute_url_from_a_variable_replaces_the_base_url() -> None:
    assert join_url(BASE, "http://other:9/x") == "http://other:9/x"


def test_query_values_are_rendered_and_encoded() -> None:
    request = build(
        {"q": "a b"}, path="/s", query={"q": "{{q}}", "tag": ["x", "y"], "on": True, "no": None}
    )

    assert request.url.endswith("/s?q=a%20b&tag=x&tag=y&on=true")


def test_a_json_body_keeps_substituted_types_and_gets_its_content_type() -> None:
    request = build({"id": 7}, method="POST", path="/p", body={"id": "{{id}}"})

    assert json.loads(request.body or b"") == {"id": 7}
    assert request.headers["Content-Type"] == "application/json"


def test_a_form_body_is_url_encoded() -> None:
    request = build(
        method="POST",
        path="/f",
        body={"a": "1 2", "b": True},
        content_type="application/x-www-form-urlencoded",
    )

    assert request.body == b"a=1+2&b=true"


def test_a_multipart_body_carries_each_field() -> None:
    request = build(method="POST", path="/m", body={"a": "1"}, content_type="multipart/form-data")

    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="a"\r\n\r\n1\r\n' in (request.body or b"")


def test_a_text_body_is_sent_as_is() -> None:
    request = build(method="POST", path="/t", body="<a/>", content_type="application/xml")

    assert (request.body, request.headers["Content-Type"]) == (b"<a/>", "application/xml")


def test_a_content_type_set_by_the_step_is_kept() -> None:
    request = build(path="/p", body={}, headers={"content-type": "application/vnd.x+json"})

    assert request.headers == {"content-type": "application/vnd.x+json"}


def test_header_values_are_rendered_to_text() -> None:
    assert build({"n": 3}, path="/h", headers={"X-N": "{{n}}"}).headers == {"X-N": "3"}


def test_an_unknown_variable_in_any_part_raises() -> None:
    with pytest.raises(TemplateError, match="'token'"):
        build(path="/p", headers={"Authorization": "Bearer {{token}}"})
