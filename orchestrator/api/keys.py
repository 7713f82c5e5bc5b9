"""/api-keys and /users/me routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from orchestrator.api.deletion import DELETED_DOC, PreferHeader, deleted
from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.keys import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRotate,
    ApiKeyRotated,
    KeyStatus,
    Me,
    OrganizationRef,
)
from orchestrator.services import keys as service

router = APIRouter(tags=["keys and users"], responses=COMMON)


@router.get("/users/me", response_model=DataEnvelope[Me], summary="The calling key's identity")
def me(principal: Caller) -> Response:
    return ok(
        Me(
            key_id=principal.key_id,
            key_name=principal.key_name,
            organization=OrganizationRef(id=principal.org_id, name=principal.org_name),
            scopes=sorted(principal.scopes),
            granted_scopes=list(principal.granted),
            app_ids=sorted(principal.app_ids) if principal.app_ids is not None else None,
            expires_at=int(principal.expires_at) if principal.expires_at else None,
        )
    )


@router.post(
    "/api-keys",
    status_code=201,
    response_model=DataEnvelope[ApiKeyCreated],
    summary="Create an API key (the full key is shown only here)",
    description="A key grants at most what the calling key holds: its scopes and, when "
    "the calling key is limited to some apps, only those apps.",
)
def create_key(
    body: ApiKeyCreate, principal: Caller, session: SessionDep, runtime: RuntimeDep
) -> Response:
    created = service.create(
        session,
        principal.org_id,
        body.name,
        list(body.scopes),
        body.ttl_days,
        ttl_hours=body.ttl_hours,
        app_ids=body.app_ids,
        granter=principal,
        now=runtime.clock.now(),
    )
    return ok(created, 201)


@router.get(
    "/api-keys",
    response_model=ListEnvelope[ApiKeyPublic],
    summary="List API keys of every status (or of one)",
)
def list_keys(
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    page: OffsetDep,
    status: Annotated[KeyStatus | None, Query(description="Only keys of this status.")] = None,
) -> Response:
    now = runtime.clock.now()
    result = service.page(
        session, principal.org_id, page.offset, page.limit, status=status, now=now
    )
    return ok_page(
        [service.public(k, now) for k in result.items],
        has_next=result.has_next,
        total=result.total,
    )


@router.delete(
    "/api-keys/{keyId}",
    responses={**DELETED_DOC, **WRITE},
    summary="Revoke an API key (it stays listed, with status revoked)",
)
def revoke_key(
    keyId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    prefer: PreferHeader = None,
) -> Response:
    service.revoke(
        session,
        principal.org_id,
        keyId,
        on_revoked=runtime.key_revoked,
        granter=principal,
        now=runtime.clock.now(),
    )
    return deleted(keyId, prefer)


@router.post(
    "/api-keys/{keyId}/rotate",
    status_code=201,
    response_model=DataEnvelope[ApiKeyRotated],
    responses=WRITE,
    summary="Rotate an API key: a new key, the old one valid for a grace period",
    description="The new key has the old one's name, scopes and app limits. The old key "
    "keeps working for `grace_seconds` (default GAUNTLET_KEY_ROTATION_GRACE_SECONDS), "
    "then answers 401. A revoked, expired or already rotated key is a 409.",
)
def rotate_key(
    keyId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    body: ApiKeyRotate | None = None,
) -> Response:
    body = body or ApiKeyRotate()
    grace = body.grace_seconds
    rotated = service.rotate(
        session,
        principal.org_id,
        keyId,
        grace_s=runtime.settings.key_rotation_grace_seconds if grace is None else grace,
        ttl_days=body.ttl_days,
        ttl_hours=body.ttl_hours,
        on_rotated=runtime.key_revoked,
        granter=principal,
        now=runtime.clock.now(),
    )
    return ok(rotated, 201)
