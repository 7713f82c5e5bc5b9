"""API keys: creation (the full key is returned once), authentication, listing,
revocation and rotation.

A key never hands out more than it holds: a key creates, rotates or revokes only keys
whose scopes it holds itself and, when it is limited to some apps, only keys limited
to those apps.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlmodel import Session

from core.errors import Conflict, InsufficientScope, NotFound, ValidationFailed
from orchestrator.auth import keys as key_material
from orchestrator.auth import scopes as catalogue
from orchestrator.auth.principal import Principal
from orchestrator.schemas.keys import ApiKeyCreated, ApiKeyPublic, ApiKeyRotated, KeyStatus
from storage import apps as app_rows
from storage import keys as key_rows
from storage import orgs
from storage.models import ApiKey
from storage.pages import Page

DAY = 86_400
HOUR = 3_600


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v for v in value.split(",") if v]


def ttl_seconds(ttl_days: int | None, ttl_hours: int | None = None) -> int | None:
    """A key's lifetime from days or hours (None: it never expires)."""
    if ttl_days is not None and ttl_hours is not None:
        raise ValidationFailed("give ttl_days or ttl_hours, not both", field="ttl_hours")
    for value, field in ((ttl_days, "ttl_days"), (ttl_hours, "ttl_hours")):
        if value is not None and value < 1:
            raise ValidationFailed(
                "must be at least 1 (omit for a key that never expires)", field=field
            )
    if ttl_days is not None:
        return ttl_days * DAY
    return ttl_hours * HOUR if ttl_hours is not None else None


def _check_grant(granter: Principal | None, scopes: list[str], app_ids: list[str] | None) -> None:
    if granter is None:  # the command line
        return
    beyond = sorted(catalogue.effective(scopes) - granter.scopes)
    if beyond:
        wanted = [s for s in scopes if catalogue.effective([s]) - granter.scopes]
        raise InsufficientScope(
            f"this key cannot grant {', '.join(repr(s) for s in wanted)}, which it does not hold"
        )
    if granter.app_ids is not None and (app_ids is None or not set(app_ids) <= granter.app_ids):
        raise InsufficientScope(
            "a key limited to some apps can only manage keys limited to those apps"
        )


def _check_apps(session: Session, org_id: str, app_ids: list[str] | None) -> list[str] | None:
    if app_ids is None:
        return None
    for index, app_id in enumerate(app_ids):
        if app_rows.get(session, org_id, app_id) is None:
            raise ValidationFailed(
                f"no app {app_id} in this organization", field=f"app_ids[{index}]"
            )
    return sorted(set(app_ids))


def _insert(
    session: Session,
    org_id: str,
    name: str,
    scopes: list[str],
    app_ids: list[str] | None,
    ttl_s: int | None,
    now: float,
) -> tuple[ApiKey, str]:
    raw = key_material.generate()
    row = key_rows.add(
        session,
        ApiKey(
            org_id=org_id,
            name=name,
            lookup=key_material.lookup_of(raw),
            key_hash=key_material.hash_of(raw),
            hint=key_material.hint_of(raw),
            scopes=",".join(catalogue.canonical(scopes)),
            app_ids=",".join(app_ids) if app_ids is not None else None,
            created_at=now,
            expires_at=now + ttl_s if ttl_s else None,
        ),
    )
    return row, raw


def _created(row: ApiKey, raw: str) -> ApiKeyCreated:
    return ApiKeyCreated(
        id=row.id,
        key=raw,
        name=row.name,
        scopes=row.scopes.split(","),
        app_ids=_split(row.app_ids),
        created_at=int(row.created_at),
        expires_at=_ts(row.expires_at),
    )


def create(
    session: Session,
    org_id: str,
    name: str,
    scopes: list[str],
    ttl_days: int | None = None,
    *,
    ttl_hours: int | None = None,
    app_ids: list[str] | None = None,
    granter: Principal | None = None,
    now: float | None = None,
) -> ApiKeyCreated:
    """Make a key for the organization and commit; the response holds the only copy.
    ``granter`` is the key asking (None: the command line, which may grant anything)."""
    unknown = catalogue.unknown(scopes)
    if unknown:
        raise ValidationFailed(f"unknown scope(s) {', '.join(unknown)}", field="scopes")
    if not scopes:
        raise ValidationFailed("at least one scope is needed", field="scopes")
    ttl_s = ttl_seconds(ttl_days, ttl_hours)
    _check_grant(granter, scopes, app_ids)
    limited = _check_apps(session, org_id, app_ids)
    row, raw = _insert(session, org_id, name, scopes, limited, ttl_s, _now(now))
    session.commit()
    return _created(row, raw)


def create_for_org_name(
    session: Session,
    org_name: str,
    name: str,
    scopes: list[str],
    ttl_days: int | None,
    *,
    ttl_hours: int | None = None,
    app_ids: list[str] | None = None,
) -> ApiKeyCreated:
    """The command line's bootstrap: creates the organization when missing."""
    org, _ = orgs.get_or_create(session, org_name)
    return create(session, org.id, name, scopes, ttl_days, ttl_hours=ttl_hours, app_ids=app_ids)


def authenticate(session: Session, raw: str, now: float | None = None) -> Principal | None:
    """The principal for ``raw``, or None for a malformed, unknown, revoked or expired key."""
    if not key_material.is_well_formed(raw):
        return None
    now = _now(now)
    for row in key_rows.candidates(session, key_material.lookup_of(raw)):
        if not key_material.matches(raw, row.key_hash):
            continue
        if key_rows.status_of(row, now) != "active":
            return None
        org = orgs.get(session, row.org_id)
        if org is None:
            return None
        app_ids = _split(row.app_ids)
        return Principal(
            key_id=row.id,
            key_name=row.name,
            org_id=org.id,
            org_name=org.name,
            granted=tuple(row.scopes.split(",")),
            expires_at=row.expires_at,
            app_ids=frozenset(app_ids) if app_ids is not None else None,
        )
    return None


def public(row: ApiKey, now: float | None = None) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=row.id,
        name=row.name,
        hint=row.hint,
        scopes=row.scopes.split(","),
        app_ids=_split(row.app_ids),
        status=key_rows.status_of(row, _now(now)),
        created_at=int(row.created_at),
        expires_at=_ts(row.expires_at),
        revoked_at=_ts(row.revoked_at),
        last_used_at=_ts(row.last_used_at),
        replaced_by=row.replaced_by,
    )


def page(
    session: Session,
    org_id: str | None,
    offset: int,
    limit: int,
    *,
    status: KeyStatus | None = None,
    now: float | None = None,
) -> Page[ApiKey]:
    """Keys of every status (or of one), oldest first."""
    return key_rows.page(session, org_id, offset, limit, status=status, now=_now(now))


def _manageable(
    session: Session, org_id: str | None, key_id: str, granter: Principal | None
) -> ApiKey:
    row = key_rows.get(session, org_id, key_id)
    if row is None:
        raise NotFound(f"api key {key_id} not found")
    _check_grant(granter, row.scopes.split(","), _split(row.app_ids))
    return row


def revoke(
    session: Session,
    org_id: str | None,
    key_id: str,
    on_revoked: Callable[[str], None] | None = None,
    *,
    granter: Principal | None = None,
    now: float | None = None,
) -> None:
    """Revoke and commit; the next request with that key is a 401. NotFound for an
    unknown key, Conflict for one already revoked. ``org_id`` None (the command line)
    may revoke any organization's key. ``on_revoked`` tells authentication caches to
    forget the key."""
    row = _manageable(session, org_id, key_id, granter)
    if not key_rows.revoke(session, row.id, _now(now)):
        raise Conflict(f"api key {key_id} is already revoked")
    session.commit()
    if on_revoked is not None:
        on_revoked(key_id)


def rotate(
    session: Session,
    org_id: str,
    key_id: str,
    *,
    grace_s: int,
    ttl_days: int | None = None,
    ttl_hours: int | None = None,
    on_rotated: Callable[[str], None] | None = None,
    granter: Principal | None = None,
    now: float | None = None,
) -> ApiKeyRotated:
    """A new key with the old one's name, scopes and app limits; the old key keeps
    working for ``grace_s`` seconds (never longer than it would have), then fails.
    The new key lives as long as asked, else as long as the old one was made to.
    Conflict for a revoked, expired or already rotated key."""
    now = _now(now)
    row = _manageable(session, org_id, key_id, granter)
    status = key_rows.status_of(row, now)
    if status != "active":
        raise Conflict(f"api key {key_id} is {status}; only an active key can be rotated")
    if row.replaced_by is not None:
        raise Conflict(f"api key {key_id} was already rotated; rotate {row.replaced_by} instead")
    ttl_s = ttl_seconds(ttl_days, ttl_hours)
    if ttl_s is None and row.expires_at is not None:
        ttl_s = int(row.expires_at - row.created_at)
    new, raw = _insert(
        session, row.org_id, row.name, row.scopes.split(","), _split(row.app_ids), ttl_s, now
    )
    if not key_rows.mark_rotated(session, row.id, new.id, now + grace_s, now):
        session.rollback()
        raise Conflict(f"api key {key_id} was rotated or revoked meanwhile")
    session.commit()
    session.refresh(row)
    if on_rotated is not None:
        on_rotated(key_id)
    assert row.expires_at is not None
    return ApiKeyRotated(
        **_created(new, raw).model_dump(),
        replaces=row.id,
        replaced_key_expires_at=int(row.expires_at),
    )


def _now(now: float | None) -> float:
    return time.time() if now is None else now
