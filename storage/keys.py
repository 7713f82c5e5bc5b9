"""API key rows. Hashing and constant-time comparison live in orchestrator.auth.keys."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import and_, case, or_, update
from sqlmodel import Session, col, select

from storage.models import ApiKey
from storage.pages import Page, offset_page

KeyStatus = Literal["active", "revoked", "expired"]


def add(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def candidates(session: Session, lookup: str) -> list[ApiKey]:
    """Keys whose public lookup prefix is ``lookup`` (normally one)."""
    return list(session.exec(select(ApiKey).where(ApiKey.lookup == lookup)).all())


def get(session: Session, org_id: str | None, key_id: str) -> ApiKey | None:
    """The key, whatever its status; None for another organization's (``org_id`` None:
    any organization's)."""
    key = session.get(ApiKey, key_id)
    if key is None or (org_id is not None and key.org_id != org_id):
        return None
    return key


def get_active(session: Session, org_id: str, key_id: str) -> ApiKey | None:
    key = get(session, org_id, key_id)
    return key if key is not None and key.revoked_at is None else None


def status_of(key: ApiKey, now: float) -> KeyStatus:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def page(
    session: Session,
    org_id: str | None,
    offset: int,
    limit: int,
    *,
    status: KeyStatus | None = None,
    now: float = 0.0,
) -> Page[ApiKey]:
    """Keys, oldest first, optionally of one status at ``now``; every organization's when
    ``org_id`` is None."""
    statement = select(ApiKey)
    if org_id is not None:
        statement = statement.where(ApiKey.org_id == org_id)
    unrevoked = col(ApiKey.revoked_at).is_(None)
    if status == "revoked":
        statement = statement.where(col(ApiKey.revoked_at).is_not(None))
    elif status == "expired":
        statement = statement.where(unrevoked, col(ApiKey.expires_at) <= now)
    elif status == "active":
        statement = statement.where(
            unrevoked, or_(col(ApiKey.expires_at).is_(None), col(ApiKey.expires_at) > now)
        )
    statement = statement.order_by(col(ApiKey.created_at), col(ApiKey.id))
    return offset_page(session, statement, offset, limit)


def touch(session: Session, key_id: str, now: float, resolution_s: float) -> bool:
    """Record a use at ``now`` unless one was recorded less than ``resolution_s`` ago
    (by this process or another). Caller commits."""
    result = session.execute(
        update(ApiKey)
        .where(
            col(ApiKey.id) == key_id,
            or_(
                col(ApiKey.last_used_at).is_(None),
                col(ApiKey.last_used_at) <= now - resolution_s,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def revoke(session: Session, key_id: str, now: float) -> bool:
    """Unrevoked -> revoked at ``now``; False when it was already revoked. Caller commits."""
    result = session.execute(
        update(ApiKey)
        .where(col(ApiKey.id) == key_id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_rotated(
    session: Session, key_id: str, replacement_id: str, expires_at: float, now: float
) -> bool:
    """Point the key at its replacement and let it expire at ``expires_at`` (never later
    than it would have), only if it is still usable and not rotated yet: of two racing
    rotations, one wins. Caller commits."""
    usable = and_(
        col(ApiKey.revoked_at).is_(None),
        col(ApiKey.replaced_by).is_(None),
        or_(col(ApiKey.expires_at).is_(None), col(ApiKey.expires_at) > now),
    )
    ends = case(
        (col(ApiKey.expires_at).is_(None), expires_at),
        (col(ApiKey.expires_at) > expires_at, expires_at),
        else_=col(ApiKey.expires_at),
    )
    result = session.execute(
        update(ApiKey)
        .where(col(ApiKey.id) == key_id, usable)
        .values(replaced_by=replacement_id, expires_at=ends)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
