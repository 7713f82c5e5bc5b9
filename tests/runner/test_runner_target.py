"""runner.target: the client for untrusted targets, against a real loopback server, with
each of its transports (http.client, the default, and httpx's httpcore)."""

from __future__ import annotations

import base64
import json
import time
import tracemalloc
from typing import Any

import pytest

from runner import HostPolicy, ObservedResponse, OutgoingRequest, TargetClient, TargetError
from runner import target as target_module


@pytest.fixture(autouse=True, params=["stdlib", "httpcore"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test once per transport: each client made in the test uses it."""
    monkeypatch.setattr(target_module, "DEFAULT_TRANSPORT", request.param)


def get(client: TargetClient, url: str, **fields: Any) -> ObservedResponse:
    return client.send(OutgoingRequest(fields.pop("method", "GET"), url, **fields))


def echoed(response: ObservedResponse) -> dict[str, Any]:
    ok, payload = response.json()
    assert ok, response.text
    return dict(payload)


def test_a_response_comes_back_with_status_lowercase_headers_body_and_timing(
    client: TargetClient, base_url: str
) -> None:
    response = get(client, f"{base_url}/echo")

    assert response.status == 200
    assert response.headers["x-trace"] == "abc-123"
    assert echoed(response)["method"] == "GET"
    assert response.elapsed_ms > 0
    assert not response.truncated


def test_the_request_method_headers_and_body_reach_the_target(
    client: TargetClient, base_url: str
) -> None:
    request = OutgoingRequest(
        "PUT", f"{base_url}/echo?q=1", headers={"X-Custom": "yes"}, body=b'{"a":1}'
    )

    payload = echoed(client.send(request))

    assert (payload["method"], payload["query"], payload["body"]) == ("PUT", "q=1", '{"a":1}')
    assert payload["headers"]["x-custom"] == "yes"


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        ({"type": "bearer", "token": "tok-123"}, "authorization", "Bearer tok-123"),
        (
            {"type": "basic", "username": "ann", "password": "pw-456"},
            "authorization",
            "Basic " + base64.b64encode(b"ann:pw-456").decode(),
        ),
        ({"type": "header", "name": "X-API-Key", "value": "key-789"}, "x-api-key", "key-789"),
    ],
    ids=["bearer", "basic", "header"],
)
def test_header_auth_kinds_reach_the_target(
    base_url: str, auth: dict[str, str], header: str, value: str
) -> None:
    with TargetClient(auth=auth) as client:
        payload = echoed(get(client, f"{base_url}/echo"))

    assert payload["headers"][header] == value


def test_query_auth_reaches_the_target(base_url: str) -> None:
    with TargetClient(auth={"type": "query", "name": "api_key", "value": "k 1"}) as client:
        payload = echoed(get(client, f"{base_url}/echo?x=1"))

    assert payload["args"] == {"x": "1", "api_key": "k 1"}


def test_a_header_set_by_the_step_wins_over_the_app_auth(base_url: str) -> None:
    with TargetClient(auth={"type": "bearer", "token": "good"}) as client:
        response = get(client, f"{base_url}/echo", headers={"authorization": "Bearer wrong"})

    assert echoed(response)["headers"]["authorization"] == "Bearer wrong"


def test_the_runner_user_agent_is_sent_unless_the_step_sets_its_own(
    client: TargetClient, base_url: str
) -> None:
    default = echoed(get(client, f"{base_url}/echo"))["headers"]
    own = echoed(get(client, f"{base_url}/echo", headers={"User-Agent": "suite/2"}))["headers"]

    assert default["user-agent"].startswith("gauntlet-runner/")
    assert own["user-agent"] == "suite/2"


def test_a_cookie_header_set_by_the_step_wins_over_the_cookie_jar(
    client: TargetClient, base_url: str
) -> None:
    get(client, f"{base_url}/cookie/set")

    response = get(client, f"{base_url}/cookie/get", headers={"Cookie": "session=mine"})

    assert echoed(response)["cookie"] == "session=mine"


def test_cookies_set_by_the_target_are_sent_back_by_the_same_client(
    client: TargetClient, base_url: str
) -> None:
    get(client, f"{base_url}/cookie/set")

    assert echoed(get(client, f"{base_url}/cookie/get"))["cookie"] == "session=s3cret-session"


def test_a_refused_connection_is_a_target_error(client: TargetClient, refused_url: str) -> None:
    with pytest.raises(TargetError, match=r"connection refused by 127\.0\.0\.1") as caught:
        get(client, f"{refused_url}/x")

    assert caught.value.kind == "refused"


def test_a_hanging_target_times_out_after_the_read_timeout(
    client: TargetClient, base_url: str
) -> None:
    started = time.monotonic()

    with pytest.raises(TargetError, match=r"timed out waiting for .* after 0\.5s") as caught:
        get(client, f"{base_url}/hang")

    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 2


def test_a_connection_reset_is_a_target_error(client: TargetClient, base_url: str) -> None:
    with pytest.raises(TargetError) as caught:
        get(client, f"{base_url}/reset")

    assert caught.value.kind == "reset"
    assert "127.0.0.1" in caught.value.message


def test_a_huge_response_is_cut_at_the_cap_without_reading_it_all(base_url: str) -> None:
    cap = 1024 * 1024
    with TargetClient(max_response_bytes=cap) as client:
        tracemalloc.start()
        try:
            response = get(client, f"{base_url}/big")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert response.status == 200
    assert response.truncated
    assert len(response.body) == cap
    assert peak < 4 * cap  # 10 MB were offered


def test_a_response_exactly_at_the_cap_is_not_marked_truncated(base_url: str) -> None:
    with TargetClient() as probe:
        size = len(get(probe, f"{base_url}/html").body)
    with TargetClient(max_response_bytes=size) as client:
        response = get(client, f"{base_url}/html")

    assert len(response.body) == size and not response.truncated


def test_redirects_are_followed(client: TargetClient, base_url: str) -> None:
    response = get(client, f"{base_url}/redirect?to=/echo")

    assert response.status == 200
    assert echoed(response)["path"] == "/echo"


def test_a_303_after_a_post_continues_as_a_get_without_the_body(
    client: TargetClient, base_url: str
) -> None:
    request = OutgoingRequest("POST", f"{base_url}/redirect?to=/echo&code=303", body=b"{}")

    payload = echoed(client.send(request))

    assert (payload["method"], payload["body"]) == ("GET", "")


def test_a_redirect_loop_stops_at_the_limit(base_url: str) -> None:
    with (
        TargetClient(max_redirects=3) as client,
        pytest.raises(TargetError, match="more than 3 redirects") as caught,
    ):
        get(client, f"{base_url}/loop")

    assert caught.value.kind == "too_many_redirects"


def test_without_following_a_redirect_comes_back_as_is(base_url: str) -> None:
    with TargetClient(follow_redirects=False) as client:
        response = get(client, f"{base_url}/loop")

    assert (response.status, response.headers["location"]) == (302, "/loop")


def test_a_redirect_to_another_origin_does_not_carry_the_app_credentials(base_url: str) -> None:
    other = base_url.replace("127.0.0.1", "localhost")
    with TargetClient(auth={"type": "bearer", "token": "tok-123"}) as client:
        response = get(client, f"{base_url}/redirect?to={other}/echo")

    assert "authorization" not in echoed(response)["headers"]


def test_a_redirect_to_a_metadata_address_is_denied(client: TargetClient, base_url: str) -> None:
    with pytest.raises(TargetError, match=r"169\.254\.169\.254 is denied") as caught:
        get(client, f"{base_url}/redirect?to=http://169.254.169.254/latest/meta-data/")

    assert caught.value.kind == "denied"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://METADATA.google.internal./",
        "http://2852039166/",  # 169.254.169.254 as one decimal number
        "http://0xa9fea9fe/",  # and in hex
    ],
)
def test_cloud_metadata_addresses_are_denied_by_default(client: TargetClient, url: str) -> None:
    with pytest.raises(TargetError, match="is denied") as caught:
        get(client, url)

    assert caught.value.kind == "denied"


def test_a_name_resolving_to_a_denied_address_is_denied(base_url: str) -> None:
    port = base_url.rsplit(":", 1)[1]
    policy = HostPolicy(denied=("127.0.0.0/8", "::1"))

    with (
        TargetClient(policy=policy) as client,
        pytest.raises(TargetError, match=r"localhost resolves to .*, which is denied"),
    ):
        get(client, f"http://localhost:{port}/echo")


def test_hosts_outside_the_allowed_patterns_are_denied(base_url: str) -> None:
    policy = HostPolicy(allowed=("*.example.com",))

    with (
        TargetClient(policy=policy) as client,
        pytest.raises(TargetError, match=r"127\.0\.0\.1 is not in the allowed hosts"),
    ):
        get(client, f"{base_url}/echo")


def test_an_allowed_network_lets_its_addresses_in(base_url: str) -> None:
    with TargetClient(policy=HostPolicy(allowed=("127.0.0.0/8",))) as client:
        assert get(client, f"{base_url}/echo").status == 200


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "http:///nohost", "http://[::1/x"])
def test_an_invalid_url_is_a_target_error(client: TargetClient, url: str) -> None:
    with pytest.raises(TargetError, match="invalid URL") as caught:
        get(client, url)

    assert caught.value.kind == "invalid_url"


def test_an_unresolvable_host_is_a_target_error(client: TargetClient) -> None:
    with pytest.raises(TargetError, match=r"cannot resolve host nowhere\.invalid") as caught:
        get(client, "http://nowhere.invalid/")

    assert caught.value.kind == "unresolvable"


def test_the_body_is_valid_json_when_the_target_sends_json(
    client: TargetClient, base_url: str
) -> None:
    response = get(client, f"{base_url}/status/418")

    assert (response.status, json.loads(response.body)) == (418, {"status": 418})


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Name": "Zoë"}, "a header holds non-ASCII text"),
        ({"X-A": "a\r\nInjected: 1"}, "Illegal header value"),
        ({"bad name": "x"}, "Illegal header name"),
    ],
    ids=["non-ascii", "injection", "bad-name"],
)
def test_a_header_http_cannot_carry_is_a_target_error(
    client: TargetClient, base_url: str, headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(TargetError, match=reason) as caught:
        get(client, f"{base_url}/echo", headers=headers)

    assert caught.value.kind == "invalid_request"
