"""Gateway support: ``/auth`` for a reverse proxy's auth_request (proven with a real
nginx running the block of docs/gateway.md) and ``/metadata`` for clients."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from tests.e2e.api.test_envelope import assert_error
from tests.support.api_server import Api
from tests.support.factories import create_app, create_key, new_org
from tests.support.nginx import Nginx

DOC = Path(__file__).resolve().parents[3] / "docs" / "gateway.md"


def test_auth_names_the_organization_key_and_scopes(gov: Api) -> None:
    org = new_org()
    with gov.client(create_key(gov.runtime, org, ["runs:write", "apps:read"])) as client:
        response = client.get("/auth")
        me = client.get("/users/me").json()["data"]
    assert response.status_code == 200
    assert response.headers["X-Gauntlet-Org"] == me["organization"]["id"]
    assert response.headers["X-Gauntlet-Org-Name"] == org
    assert response.headers["X-Gauntlet-Key-Id"] == me["key_id"]
    assert response.headers["X-Gauntlet-Scopes"] == "apps:read,runs:write"
    assert "X-Gauntlet-App-Ids" not in response.headers
    assert response.json()["data"]["key_id"] == me["key_id"]


def test_auth_names_the_apps_of_a_limited_key(gov: Api, admin: httpx.Client, org: str) -> None:
    app_id = create_app(admin, "http://127.0.0.1:9")
    with gov.client(create_key(gov.runtime, org, "read", app_ids=[app_id])) as client:
        assert client.get("/auth").headers["X-Gauntlet-App-Ids"] == app_id


@pytest.mark.parametrize("state", ["missing", "unknown", "revoked", "expired"])
def test_auth_refuses_what_is_not_a_valid_key(gov: Api, state: str) -> None:
    key = {
        "missing": None,
        "unknown": "gnt_" + "A" * 43,
        "revoked": create_key(gov.runtime, revoked=True),
        "expired": create_key(gov.runtime, expired=True),
    }[state]
    with gov.client(key) as client:
        response = client.get("/auth")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
    assert not any(h.lower().startswith("x-gauntlet-") for h in response.headers)


def test_auth_answers_from_the_key_cache_without_a_query(gov: Api) -> None:
    queries: list[str] = []

    def count(*args: object) -> None:
        queries.append(str(args[2]))

    with gov.client(create_key(gov.runtime)) as client:
        assert client.get("/auth").status_code == 200  # authenticates, records the use
        event.listen(gov.runtime.engine, "before_cursor_execute", count)
        started = time.monotonic()
        try:
            for _ in range(20):
                assert client.get("/auth").status_code == 200
        finally:
            event.remove(gov.runtime.engine, "before_cursor_execute", count)
        elapsed = time.monotonic() - started
    # The cache keeps a key ttl_s (2 s): a lookup (the key, its organization) at most once
    # per ttl_s the requests took (a slow machine may take several), and the key's last
    # use is written once a minute. Without the cache: two statements per request.
    lookups = int(elapsed // gov.runtime.principals.ttl_s) + 1
    assert len(queries) <= 2 * lookups + 1 < 40, (elapsed, queries)


def test_metadata_says_what_the_installation_offers(admin: httpx.Client, gov: Api) -> None:
    data = admin.get("/metadata").json()["data"]
    settings = gov.runtime.settings
    assert data["version"] == "0.1.0"
    assert data["deployment"] == ("scaled" if settings.scaled else "embedded")
    assert data["features"]["quotas"] and data["features"]["gateway_auth"]
    assert data["features"]["dashboard"] and data["features"]["load_tests"]
    assert "runs:write" in data["scopes"] and "admin" in data["scopes"]
    assert data["limits"]["rate_limit_per_minute"] == settings.rate_limit_per_minute
    assert data["limits"]["max_page_size"] == 100


def test_metadata_needs_a_key(gov: Api) -> None:
    with gov.client() as anonymous:
        assert_error(anonymous.get("/metadata"), 401, "AUTHENTICATION_REQUIRED")


class _Echo(BaseHTTPRequestHandler):
    """A service behind the gateway: answers with the X-Gauntlet-* headers it got."""

    def do_GET(self) -> None:
        seen = {k: v for k, v in self.headers.items() if k.lower().startswith("x-gauntlet-")}
        seen["authorization"] = self.headers.get("Authorization", "")
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def documented_block() -> str:
    """The nginx block of docs/gateway.md."""
    match = re.search(r"```nginx\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/gateway.md lost its nginx example"
    return match.group(1)


@pytest.fixture(scope="module")
def gateway(gov: Api, echo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    api = gov.url.removeprefix("http://")
    block = documented_block().replace("127.0.0.1:8000", api).replace("127.0.0.1:9000", echo)
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), block).start()
    yield nginx
    nginx.stop()


def test_gateway_lets_a_valid_key_through_to_the_api(gateway: Nginx, gov: Api) -> None:
    org = new_org()
    key = create_key(gov.runtime, org, "read")
    response = httpx.get(f"{gateway.url}/client/v1/users/me", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["organization"]["name"] == org


def test_gateway_tells_the_service_behind_it_who_calls(gateway: Nginx, gov: Api) -> None:
    org = new_org()
    key = create_key(gov.runtime, org, ["runs:read"])
    with gov.client(key) as client:
        me = client.get("/users/me").json()["data"]
    response = httpx.get(f"{gateway.url}/reports/x", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    seen = {k.lower(): v for k, v in response.json().items()}
    assert seen["x-gauntlet-org"] == me["organization"]["id"]
    assert seen["x-gauntlet-key-id"] == me["key_id"]
    assert seen["x-gauntlet-scopes"] == "runs:read"
    assert seen["authorization"] == ""  # the key stops at the gateway


def test_gateway_refuses_a_revoked_key_at_once(gateway: Nginx, admin: httpx.Client) -> None:
    created = admin.post("/api-keys", json={"name": "edge", "scopes": ["read"]}).json()["data"]
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert httpx.get(f"{gateway.url}/reports/x", headers=headers).status_code == 200
    assert admin.delete(f"/api-keys/{created['id']}").status_code == 200
    for path in ("/reports/x", "/client/v1/users/me"):
        assert httpx.get(f"{gateway.url}{path}", headers=headers).status_code == 401


def test_gateway_refuses_requests_without_a_key(gateway: Nginx) -> None:
    for path in ("/reports/x", "/client/v1/apps"):
        assert httpx.get(f"{gateway.url}{path}").status_code == 401
