"""A target whose contract the tests change (the API and the clients come from
tests/e2e/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.normalize.target import ChangingTarget


@pytest.fixture(scope="module")
def changing() -> Iterator[ChangingTarget]:
    server = ChangingTarget().start()
    yield server
    server.stop()


@pytest.fixture
def target(changing: ChangingTarget) -> Iterator[ChangingTarget]:
    """The changing target, back to its original contract for each test."""
    changing.reset()
    yield changing
    changing.reset()
