"""Readiness: can this process do its job now? Each check names a dependency and says
what is wrong with it; the process is ready when every check passes.

- ``database``: reachable and writable (``storage.db.check_writable``);
- ``redis``: answers PING, when Redis is configured (scaled);
- ``disk``: the data directory's filesystem has more than ``ready_min_free_mb`` free.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import redis
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from core.settings import Settings
from storage.db import check_writable, database_path

# A probe must answer within the orchestrator's probe timeout (3 s in docker-compose.yml).
REDIS_TIMEOUT_S = 1.0
MB = 1024 * 1024


class Check(BaseModel):
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failing(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def readiness(settings: Settings, engine: Engine) -> Readiness:
    checks = [_database(engine)]
    if settings.redis_url:
        checks.append(_redis(settings.redis_url))
    checks.append(_disk(data_path(settings, engine), settings.ready_min_free_mb))
    return Readiness(checks)


def data_path(settings: Settings, engine: Engine) -> Path:
    """Where this process writes: the SQLite file's directory, else the data directory."""
    database = database_path(engine)
    return database.parent if database is not None else settings.data_dir


def _database(engine: Engine) -> Check:
    try:
        check_writable(engine)
    except Exception as exc:
        return Check(name="database", ok=False, detail=f"not writable: {_reason(exc)}")
    return Check(name="database", ok=True, detail="writable")


def _redis(url: str) -> Check:
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check(name="redis", ok=False, detail=f"unreachable: {_reason(exc)}")
    finally:
        client.close()
    return Check(name="redis", ok=True, detail="reachable")


def _disk(path: Path, min_free_mb: int) -> Check:
    # The data directory may not exist yet (nothing written): its nearest parent decides.
    existing = path.resolve()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free_mb = shutil.disk_usage(existing).free // MB
    if free_mb < min_free_mb:
        return Check(
            name="disk",
            ok=False,
            detail=f"disk full: {free_mb} MB free in {path}, below {min_free_mb} MB",
        )
    return Check(name="disk", ok=True, detail=f"{free_mb} MB free")


def _reason(exc: Exception) -> str:
    # The first line only: driver errors append SQL and background links.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return first[:200] or type(exc).__name__
