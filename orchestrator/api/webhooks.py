"""/webhooks routes: subscriptions, their deliveries, redelivery and pings. Admin scope:
a subscription's URL and deliveries say where an organization's events go."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from orchestrator.api.deletion import DELETED_DOC, PreferHeader, deleted
from orchestrator.api.docs import COMMON, WRITE
from orchestrator.deps import Caller, RuntimeDep, SessionDep
from orchestrator.envelope import DataEnvelope, ListEnvelope, ok, ok_page
from orchestrator.pagination import OffsetDep
from orchestrator.schemas.webhooks import (
    DeliveryDetail,
    DeliveryPublic,
    WebhookCreate,
    WebhookDeleted,
    WebhookPublic,
    WebhookUpdate,
    WebhookUpdated,
    WebhookWithSecret,
)
from orchestrator.services import webhook_deliveries as deliveries
from orchestrator.services import webhooks as service
from storage.webhook_models import DeliveryStatus

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=COMMON)


@router.post(
    "",
    status_code=201,
    response_model=DataEnvelope[WebhookWithSecret],
    responses=WRITE,
    summary="Subscribe a URL to job events (the signing secret is shown only here)",
)
def create_webhook(
    body: WebhookCreate, principal: Caller, session: SessionDep, runtime: RuntimeDep
) -> Response:
    return ok(service.create(session, runtime, principal.org_id, body), 201)


@router.get("", response_model=ListEnvelope[WebhookPublic], summary="List webhooks")
def list_webhooks(
    principal: Caller,
    session: SessionDep,
    page: OffsetDep,
    app_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    result = service.page(session, principal.org_id, page.offset, page.limit, app_id)
    return ok_page(
        [service.public(w) for w in result.items], has_next=result.has_next, total=result.total
    )


@router.get("/{webhookId}", response_model=DataEnvelope[WebhookPublic], summary="Get a webhook")
def get_webhook(webhookId: str, principal: Caller, session: SessionDep) -> Response:
    return ok(service.public(service.get(session, principal.org_id, webhookId)))


@router.patch(
    "/{webhookId}",
    response_model=DataEnvelope[WebhookUpdated],
    summary="Change a webhook: URL, events, enable/disable, rotate its secret",
)
def update_webhook(
    webhookId: str,
    body: WebhookUpdate,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    row, secret = service.update(session, runtime, principal.org_id, webhookId, body)
    return ok(WebhookUpdated(**service.public(row).model_dump(), secret=secret))


@router.delete(
    "/{webhookId}",
    response_model=DataEnvelope[WebhookDeleted],
    responses=DELETED_DOC,
    summary="Delete a webhook and its deliveries",
)
def delete_webhook(
    webhookId: str,
    principal: Caller,
    session: SessionDep,
    runtime: RuntimeDep,
    prefer: PreferHeader = None,
) -> Response:
    removed = service.delete(session, runtime, principal.org_id, webhookId)
    return deleted(removed.id, prefer)


@router.get(
    "/{webhookId}/deliveries",
    response_model=ListEnvelope[DeliveryPublic],
    summary="A webhook's deliveries, newest first",
)
def list_deliveries(
    webhookId: str,
    principal: Caller,
    session: SessionDep,
    page: OffsetDep,
    status: Annotated[DeliveryStatus | None, Query(description="Delivery status")] = None,
) -> Response:
    result = deliveries.page(
        session,
        principal.org_id,
        webhookId,
        page.offset,
        page.limit,
        [status.value] if status else None,
    )
    return ok_page(
        [deliveries.public(d) for d in result.items], has_next=result.has_next, total=result.total
    )


@router.get(
    "/{webhookId}/deliveries/{deliveryId}",
    response_model=DataEnvelope[DeliveryDetail],
    summary="A delivery with every attempt and its body",
)
def get_delivery(
    webhookId: str, deliveryId: str, principal: Caller, session: SessionDep
) -> Response:
    return ok(deliveries.detail(deliveries.get(session, principal.org_id, webhookId, deliveryId)))


@router.post(
    "/{webhookId}/deliveries/{deliveryId}/redeliver",
    status_code=202,
    response_model=DataEnvelope[DeliveryPublic],
    responses=WRITE,
    summary="Send a delivery's body again, as a new delivery",
)
def redeliver(
    webhookId: str, deliveryId: str, principal: Caller, session: SessionDep, runtime: RuntimeDep
) -> Response:
    row = deliveries.redeliver(session, runtime, principal.org_id, webhookId, deliveryId)
    return ok(deliveries.public(row), 202)


@router.post(
    "/{webhookId}/ping",
    status_code=202,
    response_model=DataEnvelope[DeliveryPublic],
    summary="Send a webhook.ping delivery",
)
def ping(webhookId: str, principal: Caller, session: SessionDep, runtime: RuntimeDep) -> Response:
    return ok(
        deliveries.public(deliveries.ping(session, runtime, principal.org_id, webhookId)), 202
    )
