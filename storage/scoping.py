"""The organization wall at the row level, in one place."""

from __future__ import annotations

from typing import Protocol, TypeVar


class _AppRow(Protocol):
    org_id: str
    app_id: str


RowT = TypeVar("RowT", bound=_AppRow)


def in_app(row: RowT | None, org_id: str, app_id: str) -> RowT | None:
    """``row`` when it belongs to app ``app_id`` of organization ``org_id``, else None:
    another organization's row reads exactly like a missing one."""
    if row is None or row.org_id != org_id or row.app_id != app_id:
        return None
    return row
