"""The envelope contract of API.md on success, every error class and unknown routes."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.api.conftest import MakeKey
from tests.support.api_server import Api


def assert_meta(response: httpx.Response) -> dict:
    body = response.json()
    assert body["meta"]["request_id"] == response.headers["x-request-id"]
    assert body["meta"]["timestamp"].endswith("Z")
    return body


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = assert_meta(response)
    assert "data" not in body
    assert body["error"]["code"] == code
    assert "Traceback" not in response.text
    return body


def test_success_has_data_and_meta_but_no_error(admin: httpx.Client) -> None:
    response = admin.get("/apps")
    assert response.status_code == 200
    body = assert_meta(response)
    assert body["data"] == []
    assert "error" not in body
    assert body["meta"]["pagination"] == {
        "has_next_page": False,
        "next_cursor": None,
        "total_count": 0,
    }


def test_unknown_route_is_404_envelope(admin: httpx.Client) -> None:
    assert_error(admin.get("/no/such/route"), 404, "RESOURCE_NOT_FOUND")


def test_unknown_route_outside_api_is_404_envelope(api: Api) -> None:
    assert_error(httpx.get(f"{api.url}/nothing-here"), 404, "RESOURCE_NOT_FOUND")


def test_wrong_method_is_405_envelope(admin: httpx.Client) -> None:
    assert_error(admin.patch("/apps"), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_400_never_422(admin: httpx.Client) -> None:
    body = assert_error(admin.post("/apps", content=b'{"name":'), 400, "VALIDATION_ERROR")
    assert "malformed JSON" in body["error"]["message"]


@pytest.mark.parametrize("payload", [b"", b"null", b"[]", b'"text"', b"42"])
def test_body_that_is_not_an_object_is_400(admin: httpx.Client, payload: bytes) -> None:
    assert_error(admin.post("/apps", content=payload), 400, "VALIDATION_ERROR")
    assert admin.get("/apps").json()["data"] == []


def test_unknown_body_field_is_named(admin: httpx.Client) -> None:
    response = admin.post("/apps", json={"name": "a", "endpoint": "http://x.test", "colour": 1})
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "colour" in body["error"]["message"]
    assert body["error"]["details"][0]["field"] == "colour"


def test_body_over_limit_is_413_and_nothing_stored(api: Api, admin: httpx.Client) -> None:
    too_big = api.runtime.settings.max_body_bytes + 1
    response = admin.post(
        "/apps", json={"name": "big", "endpoint": "http://x.test", "schema": "x" * too_big}
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert admin.get("/apps").json()["data"] == []


def test_chunked_body_over_limit_is_413(api: Api, admin: httpx.Client) -> None:
    size = api.runtime.settings.max_body_bytes + 10

    def chunks():
        for _ in range(size // 65536 + 1):
            yield b"x" * 65536

    assert_error(admin.post("/apps", content=chunks()), 413, "PAYLOAD_TOO_LARGE")


def test_unexpected_error_is_500_envelope_without_trace(
    api: Api, make_key: MakeKey, org: str
) -> None:
    app = api.server._server.config.app

    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/client/v1/__explode", explode)
    with api.client(make_key(org)) as client:
        response = client.get("/__explode")
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert body["meta"]["request_id"] in body["error"]["message"]
    assert "secret internals" not in response.text


def test_every_api_response_carries_rate_limit_headers(admin: httpx.Client, api: Api) -> None:
    anonymous = httpx.get(f"{api.url}/client/v1/apps")
    for response in (admin.get("/apps"), admin.get("/nope"), admin.patch("/apps"), anonymous):
        assert int(response.headers["x-ratelimit-limit"]) >= 100
        assert int(response.headers["x-ratelimit-remaining"]) >= 0
        assert response.headers["x-ratelimit-reset"] == "0"
    assert admin.get("/apps").headers["x-ratelimit-limit"] == "100"


def test_request_id_from_client_is_kept_when_sane(admin: httpx.Client) -> None:
    response = admin.get("/apps", headers={"X-Request-ID": "ci-run-1234"})
    assert response.headers["x-request-id"] == "ci-run-1234"
    assert response.json()["meta"]["request_id"] == "ci-run-1234"
    hostile = admin.get("/apps", headers={"X-Request-ID": "<script>"})
    assert hostile.headers["x-request-id"] != "<script>"


def test_nul_characters_are_400_in_body_path_and_query(admin: httpx.Client) -> None:
    body = assert_error(
        admin.post("/apps", content=b'{"name": "a\\u0000b", "endpoint": "http://x.test"}'),
        400,
        "VALIDATION_ERROR",
    )
    assert "NUL" in body["error"]["message"]
    assert admin.get("/apps").json()["meta"]["pagination"]["total_count"] == 0
    assert_error(admin.get("/apps/app%00x"), 400, "VALIDATION_ERROR")
    assert_error(admin.get("/jobs", params={"app_id": "a\x00b"}), 400, "VALIDATION_ERROR")


def test_an_escaped_backslash_before_u0000_is_plain_text(admin: httpx.Client) -> None:
    response = admin.post("/apps", content=b'{"name": "a\\\\u0000b", "endpoint": "http://x.test"}')
    assert response.status_code == 201, response.text
    assert response.json()["data"]["name"] == "a\\u0000b"
