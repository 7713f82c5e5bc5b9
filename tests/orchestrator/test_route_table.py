"""The route table fails closed: an API route nobody declared answers 500 (and is
logged at start), never 200."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from core.settings import Settings
from orchestrator.app import create_app
from orchestrator.auth import authorize
from orchestrator.deps import Authorized
from orchestrator.middleware import API_PREFIX
from orchestrator.runtime import Runtime, build_runtime
from tests.support.factories import create_key
from tests.support.live_server import LiveServer


@pytest.fixture
def app_with_an_undeclared_route(tmp_path: Path) -> Iterator[tuple[FastAPI, Runtime]]:
    settings = Settings(data_dir=tmp_path)
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)
    late = APIRouter()

    @late.get("/late-arrival")
    def late_arrival() -> dict[str, str]:
        return {"secret": "everyone may read this"}

    app.include_router(late, prefix=API_PREFIX, dependencies=[Authorized])
    yield app, runtime
    runtime.close()


def test_bind_reports_the_undeclared_route(
    app_with_an_undeclared_route: tuple[FastAPI, Runtime],
) -> None:
    app, _ = app_with_an_undeclared_route
    assert authorize.bind(app) == [("GET", "/late-arrival")]


def test_an_undeclared_route_is_refused_even_to_an_admin(
    app_with_an_undeclared_route: tuple[FastAPI, Runtime],
) -> None:
    app, runtime = app_with_an_undeclared_route
    server = LiveServer(app).start()
    try:
        response = httpx.get(
            f"{server.url}{API_PREFIX}/late-arrival",
            headers={"Authorization": f"Bearer {create_key(runtime, scopes='admin')}"},
        )
    finally:
        server.stop()
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "secret" not in response.text
