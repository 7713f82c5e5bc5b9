"""Two live targets with OpenAPI documents (the API, the pets target and the clients come
from tests/e2e/conftest.py): the strict pets API, which keeps its document, and an items
API that contradicts its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import items_target, strict_pets_app
from tests.support.live_server import LiveServer


@pytest.fixture(scope="module")
def pets() -> Iterator[LiveServer]:
    """The strict pets API (FastAPI); its own document describes it truthfully."""
    server = LiveServer(strict_pets_app.create_app()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def items() -> Iterator[LiveServer]:
    """The items API, under /v1 and behind a bearer token, contradicting its document."""
    server = LiveServer(items_target.create_app()).start()
    yield server
    server.stop()
