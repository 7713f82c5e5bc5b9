"""Page helpers shared by the query modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func
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
