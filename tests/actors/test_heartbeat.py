"""A worker pool's heartbeat row: there while it runs, gone once it stops cleanly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from actors.heartbeat import HeartbeatKeeper
from storage import worker_heartbeats
from storage.db import build_engine
from storage.migrate import upgrade


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'g.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def listed(engine: Engine) -> list[tuple[str, int, str]]:
    with Session(engine) as session:
        rows = worker_heartbeats.seen_since(session, 0)
        return [(r.worker_id, r.threads, r.mode) for r in rows]


def test_a_started_pool_is_listed_at_once_with_its_threads(engine: Engine) -> None:
    keeper = HeartbeatKeeper(engine, "w1", threads=6, mode="worker")
    keeper.start()
    try:
        assert listed(engine) == [("w1", 6, "worker")]
    finally:
        keeper.stop()


def test_a_stopped_pool_is_no_longer_listed(engine: Engine) -> None:
    keeper = HeartbeatKeeper(engine, "w1", threads=2, mode="embedded")
    keeper.start()
    keeper.stop()
    assert listed(engine) == []


def test_beats_move_the_last_seen_time(engine: Engine) -> None:
    keeper = HeartbeatKeeper(engine, "w1", threads=1, mode="worker", interval_s=0.02)
    keeper.start()
    try:
        with Session(engine) as session:
            first = worker_heartbeats.seen_since(session, 0)[0].last_seen_at

        def moved() -> bool:
            with Session(engine) as session:
                return worker_heartbeats.seen_since(session, 0)[0].last_seen_at > first

        deadline = time.monotonic() + 5
        while not moved():
            assert time.monotonic() < deadline, "the heartbeat never moved"
            time.sleep(0.01)
    finally:
        keeper.stop()
