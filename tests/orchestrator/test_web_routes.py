"""What a browser finds outside /client/v1: the root's links, the dashboard page and the
docs, all from files in the package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from tests.support.api_server import serving


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data_dir: Path = tmp_path_factory.mktemp("web")
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'g.db'}")
    with serving(settings) as api, httpx.Client(base_url=api.url, timeout=10) as client:
        yield client


def test_root_points_a_program_to_the_docs_and_the_dashboard(web: httpx.Client) -> None:
    response = web.get("/")
    assert response.status_code == 200
    links = response.json()["data"]["links"]
    assert links["docs"] == "/docs"
    assert links["dashboard"] == "/dashboard"


def test_root_gives_a_browser_a_page_of_links(web: httpx.Client) -> None:
    response = web.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/docs"' in response.text
    assert 'href="/dashboard"' in response.text


def test_dashboard_page_allows_only_its_own_scripts_and_origin(web: httpx.Client) -> None:
    response = web.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"


def test_dashboard_with_a_trailing_slash_redirects_to_the_page(web: httpx.Client) -> None:
    response = web.get("/dashboard/")
    assert response.status_code == 308
    assert response.headers["location"] == "/dashboard"


def test_docs_pages_load_their_assets_from_this_server(web: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = web.get(page).text
        assert "https://" not in html, page
        assert "/static/vendor/" in html, page


def test_static_files_are_revalidated_and_unknown_ones_are_404(web: httpx.Client) -> None:
    bundle = web.get("/static/vendor/swagger-ui/swagger-ui.css")
    assert bundle.status_code == 200
    assert bundle.headers["cache-control"] == "no-cache"
    assert web.get("/static/nope.js").status_code == 404


def test_the_dashboard_preloads_every_module_it_ships(web: httpx.Client) -> None:
    from orchestrator.web import STATIC_DIR

    page = web.get("/dashboard").text
    modules = sorted(
        str(path.relative_to(STATIC_DIR))
        for path in (STATIC_DIR / "dashboard" / "js").rglob("*.js")
        if path.name not in ("main.js", "fragment.js")  # the page's own two scripts
    )
    preloaded = sorted(
        line.split('href="static/')[1].split('"')[0]
        for line in page.splitlines()
        if 'rel="modulepreload"' in line
    )
    assert preloaded == modules
