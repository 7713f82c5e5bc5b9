"""Fixtures for the step runner: the loopback target (its misbehaving routes included),
clients with small timeouts. Factories for suites and responses: tests/runner/factories.py."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from runner import TargetClient
from tests.support.pets_target import PetsTarget


@pytest.fixture(scope="session")
def target() -> Iterator[PetsTarget]:
    """The loopback target (tests/support/pets_target.py), for the whole session; its pets
    carry a timestamp, a field no two answers agree on."""
    server = PetsTarget(timestamps=True).start()
    yield server
    server.stop()


@pytest.fixture
def base_url(target: PetsTarget) -> str:
    return target.url


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (a port just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def client() -> Iterator[TargetClient]:
    """A client with timeouts small enough to keep the misbehaviour tests fast."""
    with TargetClient(connect_timeout=1.0, read_timeout=0.5, total_timeout=5.0) as c:
        yield c
