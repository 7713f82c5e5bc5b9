"""The dashboard under test: an API serving with worker threads in the deployment under
test, a pets target for its jobs, an organization with a key, and a fresh browser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.api_server import Api, deployment_settings, serving
from tests.support.browser import Browser, browser_for_test
from tests.support.factories import client_for, create_app_with_suites, create_key, new_org
from tests.support.pets_target import PetsTarget


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("dashboard"),
        event_heartbeat_seconds=1,
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
    )
    with serving(settings, embedded_workers=True) as served:
        yield served


@pytest.fixture(scope="module")
def target() -> Iterator[PetsTarget]:
    server = PetsTarget().start()
    yield server
    server.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A fresh headless Chromium; the test fails on any JavaScript console error."""
    yield from browser_for_test(tmp_path)


@dataclass
class Org:
    """An organization of its own for one test: its admin key and an API client."""

    name: str
    key: str
    client: httpx.Client

    def add_app(self, target: PetsTarget, *suites: dict[str, Any]) -> str:
        return create_app_with_suites(self.client, target.url, *suites)[0]

    def submit(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        assert response.status_code == 202, response.text
        return dict(response.json()["data"])


@pytest.fixture
def org(api: Api) -> Iterator[Org]:
    name = new_org()
    key = create_key(api.runtime, name)
    with client_for(api, key) as client:
        yield Org(name=name, key=key, client=client)


def sign_in(browser: Browser, api: Api, org: Org, route: str = "#/jobs") -> None:
    """Open the dashboard with the key in the fragment, wait until signed in, go to ``route``."""
    browser.open(f"{api.url}/dashboard#key={org.key}")
    browser.wait_for(lambda: org.name in browser.text("#identity"), "the dashboard to sign in")
    if route != "#/jobs":
        browser.run("window.location.hash = arguments[0]", route)
