"""The loopback target of the load tests (tests/support/pets_target.py), fresh for each
test so that its request count is the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pets_target import PetsTarget


@pytest.fixture
def target() -> Iterator[PetsTarget]:
    server = PetsTarget().start()
    yield server
    server.stop()
