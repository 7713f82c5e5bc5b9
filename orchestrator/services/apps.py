"""Apps: the API under test, its OpenAPI document and its (write-only) target credentials."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlmodel import Session

from core.errors import Conflict, NotFound, ValidationFailed
from orchestrator.schemas.apps import (
    AppCreate,
    AppDetail,
    AppPublic,
    AppUpdate,
    SchemaSummary,
    TargetAuthPublic,
)
from orchestrator.services.openapi_input import parse_document, summarize
from storage import apps as app_rows
from storage.models import App
from storage.pages import Page


def mask(secret: str) -> str:
    """Enough to recognise a secret, never enough to use it."""
    return "****" + secret[-4:] if len(secret) >= 12 else "****"


def _auth_public(auth_json: str | None) -> TargetAuthPublic | None:
    if not auth_json:
        return None
    auth = json.loads(auth_json)
    secret = auth.get("token") or auth.get("password") or auth.get("value") or ""
    return TargetAuthPublic(
        type=auth["type"], name=auth.get("name"), username=auth.get("username"), hint=mask(secret)
    )


def public(app: App) -> AppPublic:
    summary = None
    if app.openapi_json:
        summary = SchemaSummary(**summarize(json.loads(app.openapi_json)))
    return AppPublic(
        id=app.id,
        name=app.name,
        endpoint=app.endpoint,
        schema_summary=summary,
        auth=_auth_public(app.auth_json),
        created_at=int(app.created_at),
        updated_at=int(app.updated_at),
    )


def detail(app: App) -> AppDetail:
    document = json.loads(app.openapi_json) if app.openapi_json else None
    return AppDetail(**public(app).model_dump(), schema=document)


def get(session: Session, org_id: str, app_id: str) -> App:
    """The app, or NotFound (also for another organization's app)."""
    app = app_rows.get(session, org_id, app_id)
    if app is None:
        raise NotFound(f"app {app_id} not found")
    return app


def target_auth(app: App) -> dict[str, Any] | None:
    """The app's credentials for its target (for job execution only)."""
    return json.loads(app.auth_json) if app.auth_json else None


def page(
    session: Session,
    org_id: str,
    offset: int,
    limit: int,
    *,
    app_ids: frozenset[str] | None = None,
) -> Page[App]:
    """The organization's apps (``app_ids``: only these, for a key limited to them)."""
    return app_rows.page(session, org_id, offset, limit, app_ids=app_ids)


def create(session: Session, org_id: str, body: AppCreate) -> App:
    if app_rows.name_taken(session, org_id, body.name):
        raise Conflict(f"an app named '{body.name}' already exists")
    document = parse_document(body.schema_) if body.schema_ is not None else None
    app = app_rows.add(
        session,
        App(
            org_id=org_id,
            name=body.name,
            endpoint=body.endpoint,
            openapi_json=json.dumps(document) if document is not None else None,
            auth_json=body.auth.model_dump_json() if body.auth else None,
        ),
    )
    session.commit()
    return app


def update(session: Session, org_id: str, app_id: str, body: AppUpdate) -> App:
    app = get(session, org_id, app_id)
    fields = body.model_fields_set
    if not fields:
        raise ValidationFailed("nothing to update: send name, endpoint, schema or auth")
    for required in ("name", "endpoint"):
        if required in fields and getattr(body, required) is None:
            raise ValidationFailed("must not be null", field=required)
    if "name" in fields and body.name is not None:
        if app_rows.name_taken(session, org_id, body.name, except_id=app.id):
            raise Conflict(f"an app named '{body.name}' already exists")
        app.name = body.name
    if "endpoint" in fields and body.endpoint is not None:
        app.endpoint = body.endpoint
    if "schema_" in fields:
        document = parse_document(body.schema_) if body.schema_ is not None else None
        app.openapi_json = json.dumps(document) if document is not None else None
    if "auth" in fields:
        app.auth_json = body.auth.model_dump_json() if body.auth else None
    app.updated_at = time.time()
    session.add(app)
    session.commit()
    return app


def delete(session: Session, org_id: str, app_id: str) -> None:
    app_rows.delete_with_children(session, get(session, org_id, app_id))
    session.commit()


def by_ids(session: Session, org_id: str, app_ids: list[str]) -> dict[str, App]:
    """The organization's apps among ``app_ids`` by id, in one query (for batching);
    unknown ids and other organizations' apps are simply absent."""
    return app_rows.by_ids(session, org_id, app_ids)
