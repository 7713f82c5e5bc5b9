"""Offset parameters and opaque, per-organization cursors (AES-GCM)."""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass
from typing import Annotated

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


# What a cursor may be used for; a cursor sealed for one purpose opens for no other.
PAGE_SCOPE = "page"  # list pages, REST and GraphQL alike (suites, reports, offsets)
EVENTS_SCOPE = "events"  # the organization's event feed
_INVALID = "invalid cursor: use next_cursor from a previous page"


@functools.lru_cache(maxsize=8)
def _aead(secret: bytes) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"gauntlet cursors v1")
    return AESGCM(key.derive(secret))


def _associated(org_id: str, scope: str) -> bytes:
    return f"{scope}\x00{org_id}".encode()


def seal_cursor(text: str, secret: bytes, org_id: str, scope: str) -> str:
    """``text`` (a position) encrypted and authenticated for ``org_id`` and ``scope``:
    clients see neither the position (a global row counter would let one organization
    gauge another's activity) nor can they alter it or use it in another organization."""
    nonce = os.urandom(12)
    sealed = _aead(secret).encrypt(nonce, text.encode(), _associated(org_id, scope))
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def open_cursor(cursor: str, secret: bytes, org_id: str, scope: str, field: str = "after") -> str:
    """The text sealed in ``cursor``; ValidationFailed on ``field`` when the cursor was
    altered, made for another organization or purpose, or is not a cursor at all."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if len(raw) > 12 + 16:
            opened = _aead(secret).decrypt(raw[:12], raw[12:], _associated(org_id, scope))
            return opened.decode()
    except (ValueError, InvalidTag, UnicodeDecodeError):
        pass
    raise ValidationFailed(_INVALID, field=field)


def encode_cursor(position: int, secret: bytes, org_id: str, scope: str = PAGE_SCOPE) -> str:
    """An opaque cursor for ``position``, valid only in ``org_id`` (see seal_cursor)."""
    return seal_cursor(str(position), secret, org_id, scope)


def decode_cursor(cursor: str | None, secret: bytes, org_id: str, scope: str = PAGE_SCOPE) -> int:
    """The position inside ``cursor`` (0 for none); ValidationFailed on ``after`` when it
    was altered or made for another organization."""
    if not cursor:
        return 0
    text = open_cursor(cursor, secret, org_id, scope)
    if not text.isdigit() or len(text) > 19:
        raise ValidationFailed(_INVALID, field="after")
    return int(text)


@dataclass(frozen=True)
class CursorKey:
    """The installation's cursor secret bound to one organization (GraphQL resolvers)."""

    secret: bytes
    org_id: str

    def encode(self, position: int) -> str:
        return encode_cursor(position, self.secret, self.org_id)

    def decode(self, cursor: str | None) -> int:
        return decode_cursor(cursor, self.secret, self.org_id)
