"""Page helpers shared by the query modules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows plus what the envelope's pagination needs."""

    items: list[T]
    total: int
    has_next: bool


def count(session: Session, statement: Any) -> int:
    """``SELECT count(*)`` over an existing select's FROM/WHERE."""
    subquery = statement.order_by(None).subquery()
    return int(session.exec(select(func.count()).select_from(subquery)).one())


def offset_page(session: Session, statement: Any, offset: int, limit: int) -> Page[Any]:
    """Rows ``offset .. offset+limit`` of ``statement`` (which must be ordered)."""
    rows = list(session.exec(statement.offset(offset).limit(limit + 1)).all())
    total = count(session, statement)
    return Page(items=rows[:limit], total=total, has_next=len(rows) > limit)


def pages_by_key(
    session: Session,
    statement: Any,
    key: Any,
    keys: Sequence[Any],
    *,
    order_by: Sequence[Any],
    offset: int,
    limit: int,
    rows_where: Any = None,
) -> dict[Any, Page[Any]]:
    """One page per value of ``key`` (a column of ``statement``'s entity) in two
    statements, whatever the number of keys: the rows through ``ROW_NUMBER() OVER
    (PARTITION BY key ORDER BY order_by)``, the totals through ``GROUP BY key``.

    ``statement`` selects one entity; ``rows_where`` narrows the rows but not the totals
    (a cursor's ``pk > after``). Every key gets a page, empty ones too.
    """
    if not keys:
        return {}
    entity = statement.column_descriptions[0]["entity"]
    scoped = statement.where(key.in_(list(keys)))
    rows_statement = scoped if rows_where is None else scoped.where(rows_where)
    numbered = rows_statement.add_columns(
        func.row_number().over(partition_by=key, order_by=list(order_by)).label("_row")
    ).subquery()
    row_entity = aliased(entity, numbered)
    window = numbered.c._row
    rows = session.exec(
        select(row_entity)
        .where(window > offset, window <= offset + limit + 1)
        .order_by(numbered.c[key.key], window)
    ).all()
    grouped: dict[Any, list[Any]] = {k: [] for k in keys}
    for row in rows:
        grouped[getattr(row, key.key)].append(row)
    counted = select(key, func.count()).where(scoped.whereclause).group_by(key)
    totals = {k: int(n) for k, n in session.exec(counted).all()}
    return {
        k: Page(items=items[:limit], total=totals.get(k, 0), has_next=len(items) > limit)
        for k, items in grouped.items()
    }
