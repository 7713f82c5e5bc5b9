"""Small helpers shared by the event store tests."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from storage.events import EventStore, NewEvent

T = TypeVar("T")
OpenStore = Callable[[], EventStore]


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one async scenario to completion on a fresh event loop."""
    return asyncio.run(coro)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``condition`` (cheaply, from the loop) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.002)


def new_id(kind: str) -> str:
    return f"{kind}_{uuid.uuid4().hex[:10]}"


def events(n: int, type_: str = "step.completed", status: str = "RUNNING") -> list[NewEvent]:
    """``n`` events numbered in their data, so tests can tell them apart."""
    return [NewEvent(type=type_, status=status, data={"n": i}) for i in range(n)]
