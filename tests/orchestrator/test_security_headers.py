"""Every response carries nosniff and no-referrer; every HTML page a Content-Security-
Policy that lets scripts come from this server only."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from tests.support.api_server import serving
from tests.support.factories import create_key


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    data_dir: Path = tmp_path_factory.mktemp("headers")
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'g.db'}")
    with serving(settings) as api, httpx.Client(base_url=api.url, timeout=10) as client:
        yield client, create_key(api.runtime)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/static/favicon.svg", 200),
        ("GET", "/static/nothing-here.js", 404),
        ("GET", "/client/v1/users/me", 401),
        ("GET", "/client/v1/apps", 200),
        ("GET", "/client/v1/apps/app_missing", 404),
        ("DELETE", "/client/v1/users/me", 405),
        ("POST", "/client/v1/apps", 400),
        ("GET", "/client/v1/graphql?query={me{nope}}", 400),
        ("GET", "/client/v1/graphql?query={__typename}", 200),
        ("GET", "/no/such/page", 404),
    ],
)
def test_every_response_says_nosniff_and_no_referrer(
    web: tuple[httpx.Client, str], method: str, path: str, status: int
) -> None:
    client, key = web
    auth = {} if path.endswith("/users/me") and method == "GET" else {"X-API-Key": key}

    response = client.request(
        method, path, headers=auth, content=b"{" if method == "POST" else None
    )

    assert response.status_code == status, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def _policy(response: httpx.Response) -> dict[str, list[str]]:
    text = response.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in text.split(";")) if d}


@pytest.mark.parametrize("path", ["/", "/docs", "/redoc", "/dashboard", "/graphql/explorer"])
def test_html_pages_allow_scripts_from_this_server_only(
    web: tuple[httpx.Client, str], path: str
) -> None:
    client, _ = web

    response = client.get(path, headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = _policy(response)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None and scripts[0] == "'self'"
    assert all(s.startswith("'sha256-") for s in scripts[1:]), scripts
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts)
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_docs_allow_exactly_their_own_start_up_script(web: tuple[httpx.Client, str]) -> None:
    client, _ = web

    response = client.get("/docs")

    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digests = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    ]
    assert len(inline) == 1
    assert _policy(response)["script-src"] == ["'self'", *digests]
