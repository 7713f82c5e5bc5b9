"""``build_event_store`` picks the backend from the deployment."""

from __future__ import annotations

from pathlib import Path

from storage.db import build_engine
from storage.events import RedisEventStore, SqlEventStore, build_event_store


def test_embedded_deployment_gets_the_sql_store(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'events.db'}")
    store = build_event_store(engine, None)
    assert isinstance(store, SqlEventStore)
    store.close()
    engine.dispose()


def test_scaled_deployment_gets_the_redis_store(tmp_path: Path, redis_url: str) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'events.db'}")
    store = build_event_store(engine, redis_url, key_prefix="test:build:")
    assert isinstance(store, RedisEventStore)
    store.close()
    engine.dispose()
