"""Offset parameters and signed, opaque cursors."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from core.errors import ValidationFailed

MAX_PAGE = 100
# Beyond any real listing, and within a 64-bit SQL integer.
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class OffsetParams:
    offset: int
    limit: int


def _offset_params(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page (max 100).")] = 20,
) -> OffsetParams:
    return OffsetParams(offset=offset, limit=limit)


@dataclass(frozen=True)
class CursorParams:
    page_size: int
    after: str | None


def _cursor_params(
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Items per page (max 100).")
    ] = 20,
    after: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page.")
    ] = None,
) -> CursorParams:
    return CursorParams(page_size=page_size, after=after)


OffsetDep = Annotated[OffsetParams, Depends(_offset_params)]
CursorDep = Annotated[CursorParams, Depends(_cursor_params)]


def encode_cursor(position: int, key: bytes) -> str:
    """An opaque cursor for ``position``, signed so that a tampered one is rejected."""
    body = str(position).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(body + b"." + mac).decode().rstrip("=")


def decode_cursor(cursor: str | None, key: bytes) -> int:
    """The position inside ``cursor`` (0 for none); ValidationFailed when it was altered."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body, mac = raw.split(b".", 1)
        expected = hmac.new(key, body, hashlib.sha256).digest()[:12]
        if hmac.compare_digest(mac, expected):
            return int(body)
    except (ValueError, TypeError):
        pass
    raise ValidationFailed("invalid cursor: use next_cursor from a previous page", field="after")
