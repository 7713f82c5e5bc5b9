"""Usage counters per organization, metric and period: what monthly quotas count.

Counters live in the database so that every API process of a scaled deployment shares
them. Charging is one conditional update (``used + n <= limit``), so two submissions
racing for the last unit cannot both win, and it runs in the caller's transaction: a
submission that fails later rolls its charge back with everything else.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select


class UsageCounter(SQLModel, table=True):
    __tablename__ = "usage_counters"

    org_id: str = Field(primary_key=True, foreign_key="organizations.id", max_length=40)
    metric: str = Field(primary_key=True, max_length=40)
    period_start: int = Field(primary_key=True, description="Unix seconds.")
    used: int = 0


def _ensure(session: Session, org_id: str, metric: str, period_start: int) -> None:
    values = {"org_id": org_id, "metric": metric, "period_start": period_start, "used": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(UsageCounter).values(**values).on_conflict_do_nothing())


def charge(
    session: Session, org_id: str, metric: str, period_start: int, amount: int, limit: int | None
) -> bool:
    """Add ``amount`` to the counter unless that would pass ``limit`` (None: no limit).
    True when charged. Caller commits (or rolls back, which refunds)."""
    _ensure(session, org_id, metric, period_start)
    statement = update(UsageCounter).where(
        col(UsageCounter.org_id) == org_id,
        col(UsageCounter.metric) == metric,
        col(UsageCounter.period_start) == period_start,
    )
    if limit is not None:
        statement = statement.where(col(UsageCounter.used) + amount <= limit)
    result = session.execute(statement.values(used=UsageCounter.used + amount))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def used(session: Session, org_id: str, period_start: int) -> dict[str, int]:
    """Every metric counted for the organization in the period (absent ones are 0)."""
    rows = session.exec(
        select(UsageCounter.metric, UsageCounter.used).where(
            UsageCounter.org_id == org_id, UsageCounter.period_start == period_start
        )
    ).all()
    return {metric: count for metric, count in rows}
