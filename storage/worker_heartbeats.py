"""Worker heartbeats: one row per worker pool (``gauntlet worker`` process or the embedded
pool of ``gauntlet serve``), rewritten every few seconds while it runs, so that the API
can tell which workers are alive and how many threads they bring.

A pool writes only its own row, so an upsert needs no lock. A clean stop deletes the
row; a killed worker's row stops moving, and it is pruned once old.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, col, select


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeats"

    worker_id: str = Field(primary_key=True, max_length=100)
    hostname: str = Field(max_length=255)
    pid: int
    mode: str = Field(max_length=20, description="embedded or worker")
    threads: int
    started_at: float = Field(description="Unix seconds.")
    last_seen_at: float = Field(index=True, description="Unix seconds of the last beat.")


def beat(session: Session, heartbeat: WorkerHeartbeat) -> None:
    """Insert or refresh the worker's row. Caller commits."""
    session.merge(heartbeat)
    session.flush()


def remove(session: Session, worker_id: str) -> None:
    """Forget a worker that stopped cleanly. Caller commits."""
    session.execute(delete(WorkerHeartbeat).where(col(WorkerHeartbeat.worker_id) == worker_id))


def seen_since(session: Session, since: float) -> list[WorkerHeartbeat]:
    """Workers whose last beat is at or after ``since``, oldest first."""
    statement = (
        select(WorkerHeartbeat)
        .where(col(WorkerHeartbeat.last_seen_at) >= since)
        .order_by(col(WorkerHeartbeat.started_at), col(WorkerHeartbeat.worker_id))
    )
    return list(session.exec(statement).all())


def prune(session: Session, before: float) -> int:
    """Delete rows of workers unseen since ``before`` (killed, never stopped). Caller commits."""
    result = session.execute(
        delete(WorkerHeartbeat).where(col(WorkerHeartbeat.last_seen_at) < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
