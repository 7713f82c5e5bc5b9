"""The explorer page: served without a key (it holds no data), under a policy that lets
it run only its own files and talk only to its own origin."""

from __future__ import annotations

import httpx

from tests.support.api_server import Api


def test_the_explorer_page_is_served_with_a_strict_content_security_policy(serve: Api) -> None:
    response = httpx.get(f"{serve.url}/graphql/explorer")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_explorer_page_names_no_other_origin(serve: Api) -> None:
    page = httpx.get(f"{serve.url}/graphql/explorer").text
    assert "http://" not in page and "https://" not in page and "//" not in page.replace("<!--", "")


def test_the_explorers_files_are_in_the_package(serve: Api) -> None:
    for path in (
        "graphql-explorer/explorer.js",
        "graphql-explorer/vendor/graphiql/graphiql.min.js",
        "graphql-explorer/vendor/react/react.production.min.js",
        "graphql-explorer/vendor/react-dom/react-dom.production.min.js",
    ):
        assert httpx.get(f"{serve.url}/static/{path}").status_code == 200, path


def test_the_root_links_to_the_explorer(serve: Api) -> None:
    links = httpx.get(f"{serve.url}/").json()["data"]["links"]
    assert links["graphql"] == "/graphql/explorer"
