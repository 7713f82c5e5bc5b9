"""Usage counters per organization, metric and period: what monthly quotas count.

Counters live in the database so that every API process of a scaled deployment shares
them. Charging is one conditional upsert (``used + n <= limit``), so two submissions
racing for the last unit cannot both win, and it runs in the caller's transaction: a
submission that fails later rolls its charge back with everything else.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, select

from storage.db import execute, table_of


class UsageCounter(SQLModel, table=True):
    __tablename__ = "usage_counters"

    org_id: str = Field(primary_key=True, foreign_key="organizations.id", max_length=40)
    metric: str = Field(primary_key=True, max_length=40)
    period_start: int = Field(primary_key=True, description="Unix seconds.")
    used: int = 0


COUNTERS = table_of(UsageCounter)


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
    statement = _charging(session.get_bind().dialect.name, limited=limit is not None)
    params = {"org_id_": org_id, "metric_": metric, "period_start_": period_start}
    params |= {"amount_": amount} if limit is None else {"amount_": amount, "limit_": limit}
    return execute(session, statement, params).first() is not None


@cache
def _charging(dialect: str, *, limited: bool) -> Any:
    """``charge``'s upsert, built once per dialect as a Core statement with bound
    parameters: every submission runs it, and building it through the ORM (a fresh
    statement, its cache key, the bulk-insert path) cost three times the round trip."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(COUNTERS).values(
        org_id=bindparam("org_id_"),
        metric=bindparam("metric_"),
        period_start=bindparam("period_start_"),
        used=bindparam("amount_"),
    )
    raised = COUNTERS.c.used + bindparam("amount_")
    return statement.on_conflict_do_update(
        index_elements=[COUNTERS.c.org_id, COUNTERS.c.metric, COUNTERS.c.period_start],
        set_={"used": raised},
        where=raised <= bindparam("limit_") if limited else None,
    ).returning(COUNTERS.c.used)


def used(session: Session, org_id: str, period_start: int) -> dict[str, int]:
    """Every metric counted for the organization in the period (absent ones are 0)."""
    rows = session.exec(
        select(UsageCounter.metric, UsageCounter.used).where(
            UsageCounter.org_id == org_id, UsageCounter.period_start == period_start
        )
    ).all()
    return {metric: count for metric, count in rows}
