"""Relay-style connections over the services' pages.

Two kinds of cursor, both sealed for the caller's organization with the installation's
cursor key (so a tampered one, or one from another organization, is a VALIDATION_ERROR
on ``after``): lists the REST API pages by offset (apps, runs, jobs,
load tests, generation history) carry the position after each edge; lists it pages by
cursor (suites, suite reports) carry the row's key, exactly as REST's ``next_cursor`` does,
so those cursors are stable under inserts and valid in both APIs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from core.errors import ValidationFailed
from orchestrator.pagination import MAX_PAGE, CursorKey

T = TypeVar("T")
S = TypeVar("S")
DEFAULT_PAGE = 20


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page; null on an empty page."
    )


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: edges with cursors, or `nodes` alone.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="All matching items, at query time.")

    @strawberry.field(description="The page's items without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def check_first(first: int) -> int:
    """``first`` when it is a page size the REST API would accept, else a
    VALIDATION_ERROR naming it."""
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed(f"must be between 1 and {MAX_PAGE}", field="first")
    return first


def position(after: str | None, key: CursorKey) -> int:
    """The offset or row key inside ``after`` (0 for none)."""
    return key.decode(after)


def offset_connection(
    items: Sequence[S],
    convert: Callable[[S], T],
    *,
    offset: int,
    has_next: bool,
    total: int,
    key: CursorKey,
) -> Connection[T]:
    """A connection over one offset page; edge ``i`` resumes at ``offset + i + 1``."""
    edges = [
        Edge(cursor=key.encode(offset + i + 1), node=convert(item)) for i, item in enumerate(items)
    ]
    return _connection(edges, has_next, total)


def keyed_connection(
    items: Sequence[S],
    convert: Callable[[S], T],
    row_key: Callable[[S], int | None],
    *,
    has_next: bool,
    total: int,
    key: CursorKey,
) -> Connection[T]:
    """A connection over one key-ordered page; an edge's cursor is its row's key."""
    edges = [Edge(cursor=key.encode(row_key(item) or 0), node=convert(item)) for item in items]
    return _connection(edges, has_next, total)


def _connection(edges: list[Edge[T]], has_next: bool, total: int) -> Connection[T]:
    end = edges[-1].cursor if edges else None
    return Connection(
        edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end), total_count=total
    )
