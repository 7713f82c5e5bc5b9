"""API keys: creation (the full key is returned once), authentication, listing, revocation."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlmodel import Session

from core.errors import NotFound, ValidationFailed
from orchestrator.auth import keys as key_material
from orchestrator.auth.principal import SCOPES, Principal
from orchestrator.schemas.keys import ApiKeyCreated, ApiKeyPublic
from storage import keys as key_rows
from storage import orgs
from storage.models import ApiKey
from storage.pages import Page

DAY = 86_400


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def create(
    session: Session, org_id: str, name: str, scopes: list[str], ttl_days: int | None
) -> ApiKeyCreated:
    """Make a key for the organization and commit; the response holds the only copy."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValidationFailed(f"unknown scope(s) {', '.join(unknown)}", field="scopes")
    if ttl_days is not None and ttl_days < 1:
        raise ValidationFailed(
            "must be at least 1 (omit for a key that never expires)", field="ttl_days"
        )
    raw = key_material.generate()
    created = time.time()
    row = key_rows.add(
        session,
        ApiKey(
            org_id=org_id,
            name=name,
            lookup=key_material.lookup_of(raw),
            key_hash=key_material.hash_of(raw),
            hint=key_material.hint_of(raw),
            scopes=",".join(s for s in SCOPES if s in scopes),
            created_at=created,
            expires_at=created + ttl_days * DAY if ttl_days else None,
        ),
    )
    session.commit()
    return ApiKeyCreated(
        id=row.id,
        key=raw,
        name=row.name,
        scopes=row.scopes.split(","),
        created_at=int(row.created_at),
        expires_at=_ts(row.expires_at),
    )


def create_for_org_name(
    session: Session, org_name: str, name: str, scopes: list[str], ttl_days: int | None
) -> ApiKeyCreated:
    """The command line's bootstrap: creates the organization when missing."""
    org, _ = orgs.get_or_create(session, org_name)
    return create(session, org.id, name, scopes, ttl_days)


def authenticate(session: Session, raw: str) -> Principal | None:
    """The principal for ``raw``, or None for a malformed, unknown, revoked or expired key."""
    if not key_material.is_well_formed(raw):
        return None
    now = time.time()
    for row in key_rows.candidates(session, key_material.lookup_of(raw)):
        if not key_material.matches(raw, row.key_hash):
            continue
        if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            return None
        org = orgs.get(session, row.org_id)
        if org is None:
            return None
        return Principal(
            key_id=row.id,
            key_name=row.name,
            org_id=org.id,
            org_name=org.name,
            granted=tuple(row.scopes.split(",")),
            expires_at=row.expires_at,
        )
    return None


def public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=row.id,
        name=row.name,
        hint=row.hint,
        scopes=row.scopes.split(","),
        created_at=int(row.created_at),
        expires_at=_ts(row.expires_at),
    )


def page(session: Session, org_id: str | None, offset: int, limit: int) -> Page[ApiKey]:
    return key_rows.page(session, org_id, offset, limit)


def revoke(
    session: Session,
    org_id: str | None,
    key_id: str,
    on_revoked: Callable[[str], None] | None = None,
) -> None:
    """Revoke and commit; the next request with that key is a 401. NotFound otherwise.
    ``org_id`` None (the command line) may revoke any organization's key. ``on_revoked``
    tells authentication caches to forget the key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None or (org_id is not None and row.org_id != org_id):
        raise NotFound(f"api key {key_id} not found")
    row.revoked_at = time.time()
    session.add(row)
    session.commit()
    if on_revoked is not None:
        on_revoked(key_id)
