"""API key rows. Hashing and constant-time comparison live in orchestrator.auth.keys."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import ApiKey
from storage.pages import Page, offset_page


def add(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def candidates(session: Session, lookup: str) -> list[ApiKey]:
    """Keys whose public lookup prefix is ``lookup`` (normally one)."""
    return list(session.exec(select(ApiKey).where(ApiKey.lookup == lookup)).all())


def get_active(session: Session, org_id: str, key_id: str) -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    if key is None or key.org_id != org_id or key.revoked_at is not None:
        return None
    return key


def page(session: Session, org_id: str | None, offset: int, limit: int) -> Page[ApiKey]:
    """Unrevoked keys, oldest first; every organization's when ``org_id`` is None."""
    statement = select(ApiKey).where(col(ApiKey.revoked_at).is_(None))
    if org_id is not None:
        statement = statement.where(ApiKey.org_id == org_id)
    statement = statement.order_by(col(ApiKey.created_at), col(ApiKey.id))
    return offset_page(session, statement, offset, limit)
