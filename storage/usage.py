"""Usage counters per organization, metric and period: what monthly quotas count.

Counters live in the database so that every API process of a scaled deployment shares
them. Charging is one conditional upsert (``used + n <= limit``), so two submissions
racing for the last unit cannot both win, and it runs in the caller's transaction: a
submission that fails later rolls its charge back with everything else.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select


class UsageCounter(SQLModel, table=True):
    __tablename__ = "usage_counters"

    org_id: str = Field(primary_key=True, foreign_key="organizations.id", max_length=40)
    metric: str = Field(primary_key=True, max_length=40)
    period_start: int = Field(primary_key=True, description="Unix seconds.")
    used: int = 0


def charge(
    session: Session, org_id: str, metric: str, period_start: int, amount: int, limit: int | None
) -> bool:
    """Add ``amount`` to the counter unless that would pass ``limit`` (None: no limit).
    True when charged. Caller commits (or rolls back, which refunds).

    One statement: the counter is created holding ``amount``, or, when it exists, raised
    by ``amount`` only where the sum stays within ``limit`` (an upsert whose update
    matched nothing returns no row)."""
    if limit is not None and amount > limit:
        return False
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(UsageCounter).values(
        org_id=org_id, metric=metric, period_start=period_start, used=amount
    )
    statement = statement.on_conflict_do_update(
        index_elements=["org_id", "metric", "period_start"],
        set_={"used": UsageCounter.used + amount},
        where=None if limit is None else col(UsageCounter.used) + amount <= limit,
    )
    return session.execute(statement.returning(col(UsageCounter.used))).first() is not None


def used(session: Session, org_id: str, period_start: int) -> dict[str, int]:
    """Every metric counted for the organization in the period (absent ones are 0)."""
    rows = session.exec(
        select(UsageCounter.metric, UsageCounter.used).where(
            UsageCounter.org_id == org_id, UsageCounter.period_start == period_start
        )
    ).all()
    return {metric: count for metric, count in rows}
