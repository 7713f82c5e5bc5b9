"""/api-keys and /users/me routes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orchestrator.api.docs import COMMON
from orchestrator.deps import Admin, Reader, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Me, OrganizationRef
from orchestrator.services import keys as service

router = APIRouter(tags=["keys and users"], responses=COMMON)


@router.get("/users/me", response_model=DataEnvelope[Me], summary="The calling key's identity")
def me(principal: Reader) -> Response:
    return ok(
        Me(
            key_id=principal.key_id,
            key_name=principal.key_name,
            organization=OrganizationRef(id=principal.org_id, name=principal.org_name),
            scopes=sorted(principal.scopes),
            granted_scopes=list(principal.granted),
            expires_at=int(principal.expires_at) if principal.expires_at else None,
        )
    )


@router.post(
    "/api-keys",
    status_code=201,
    response_model=DataEnvelope[ApiKeyCreated],
    summary="Create an API key (the full key is shown only here)",
)
def create_key(body: ApiKeyCreate, principal: Admin, session: SessionDep) -> Response:
    created = service.create(session, principal.org_id, body.name, list(body.scopes), body.ttl_days)
    return ok(created, 201)


@router.get("/api-keys", response_model=ListEnvelope[ApiKeyPublic], summary="List API keys")
def list_keys(principal: Admin, session: SessionDep, page: OffsetDep) -> Response:
    result = service.page(session, principal.org_id, page.offset, page.limit)
    return ok_page(
        [service.public(k) for k in result.items], has_next=result.has_next, total=result.total
    )


@router.delete("/api-keys/{keyId}", status_code=204, summary="Revoke an API key")
def revoke_key(keyId: str, principal: Admin, session: SessionDep, runtime: RuntimeDep) -> Response:
    service.revoke(session, principal.org_id, keyId, on_revoked=runtime.key_revoked)
    return Response(status_code=204)
