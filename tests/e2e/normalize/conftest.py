"""A target whose contract the tests change (the API and the clients come from
tests/e2e/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.factories import baseline_target
from tests.support.pets_target import PetsTarget


@pytest.fixture(scope="module")
def changing() -> Iterator[PetsTarget]:
    server = baseline_target().start()
    yield server
    server.stop()


@pytest.fixture
def target(changing: PetsTarget) -> Iterator[PetsTarget]:
    """The changing target, back to its original contract for each test."""
    changing.reset()
    yield changing
    changing.reset()
