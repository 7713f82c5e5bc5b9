"""Webhook subscriptions: create (the secret is returned once), read, change (enable,
disable, rotate the secret with a grace period), delete.

The secret is sealed at rest (``actors.webhooks.sealing``) and never returned again.
Every change forgets this process's cached subscriptions of the organization, so its
next event is matched against the new ones (other processes: within
``webhook_cache_seconds``).
"""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

from sqlmodel import Session

from actors.webhooks.catalog import MAX_PATTERNS, pattern_error
from actors.webhooks.signing import new_secret
from core.errors import Conflict, NotFound, ValidationFailed
from orchestrator.runtime import Runtime
from orchestrator.schemas.webhooks import (
    WebhookCreate,
    WebhookDeleted,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)
from orchestrator.services.job_submit import check_target
from storage import apps as app_rows
from storage import webhook_deliveries as delivery_rows
from storage import webhooks as subscription_rows
from storage.pages import Page
from storage.webhook_models import WebhookSubscription

# Each event fans out to every subscription that wants it: bound the fan-out.
MAX_WEBHOOKS_PER_ORG = 100
DISABLED_BY_USER = "disabled through the API"


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def public(row: WebhookSubscription) -> WebhookPublic:
    previous_until = row.previous_secret_expires_at
    return WebhookPublic(
        id=row.id,
        url=row.url,
        events=json.loads(row.events_json),
        app_id=row.app_id,
        description=row.description,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        failing_since=_ts(row.failing_since),
        last_success_at=_ts(row.last_success_at),
        previous_secret_expires_at=(
            _ts(previous_until) if previous_until and previous_until > time.time() else None
        ),
        created_at=int(row.created_at),
        updated_at=int(row.updated_at),
    )


def check_url(runtime: Runtime, url: str, field: str = "url") -> str:
    """Refuse at once a URL a delivery would be refused at: not http(s), no host,
    credentials in it, or a host the target host policy denies (names as written, and
    addresses in any numeric spelling such as ``http://2852039166/``). Names are resolved
    and checked again at every delivery."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a port out of range
    except ValueError as exc:
        raise ValidationFailed(f"not a valid URL: {exc}", field=field) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationFailed("the scheme must be http or https", field=field)
    if not host:
        raise ValidationFailed("the URL has no host", field=field)
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(
            "credentials in the URL are not accepted: verify the signature instead",
            field=field,
        )
    check_target(runtime, url, field)
    for address in _numeric_addresses(host):
        shown = f"[{address}]" if ":" in address else address
        check_target(runtime, f"http://{shown}/", field)
    return url


def _numeric_addresses(host: str) -> list[str]:
    """The address a numeric host spells (``2852039166``, ``0xa9.0xfe.0xa9.0xfe``), with
    no DNS lookup; none for a name."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def _patterns(events: list[str], field: str = "events") -> str:
    if len(events) > MAX_PATTERNS:
        raise ValidationFailed(f"at most {MAX_PATTERNS} patterns", field=field)
    for index, pattern in enumerate(events):
        problem = pattern_error(pattern)
        if problem:
            raise ValidationFailed(problem, field=f"{field}[{index}]")
    return json.dumps(list(dict.fromkeys(events)))


def _check_app(session: Session, org_id: str, app_id: str | None) -> str | None:
    if app_id is not None and app_rows.get(session, org_id, app_id) is None:
        raise ValidationFailed(f"no app {app_id} in this organization", field="app_id")
    return app_id


def get(session: Session, org_id: str, webhook_id: str) -> WebhookSubscription:
    row = subscription_rows.get(session, org_id, webhook_id)
    if row is None:
        raise NotFound(f"webhook {webhook_id} not found")
    return row


def page(
    session: Session, org_id: str, offset: int, limit: int, app_id: str | None
) -> Page[WebhookSubscription]:
    return subscription_rows.page(session, org_id, offset, limit, app_id=app_id)


def create(
    session: Session, runtime: Runtime, org_id: str, body: WebhookCreate
) -> WebhookWithSecret:
    """Make a subscription and commit; the answer holds the only copy of its secret."""
    url = check_url(runtime, body.url)
    events_json = _patterns(body.events)
    app_id = _check_app(session, org_id, body.app_id)
    if subscription_rows.count_for_org(session, org_id) >= MAX_WEBHOOKS_PER_ORG:
        raise Conflict(f"an organization may have at most {MAX_WEBHOOKS_PER_ORG} webhooks")
    secret = new_secret()
    row = subscription_rows.add(
        session,
        WebhookSubscription(
            org_id=org_id,
            app_id=app_id,
            url=url,
            events_json=events_json,
            description=body.description,
            secret_sealed=runtime.webhook_box.seal(secret),
        ),
    )
    session.commit()
    runtime.webhooks.subscriptions.forget(org_id)
    return WebhookWithSecret(**public(row).model_dump(), secret=secret)


def update(
    session: Session, runtime: Runtime, org_id: str, webhook_id: str, body: WebhookUpdate
) -> tuple[WebhookSubscription, str | None]:
    """Apply the fields given and commit; the new secret when one was asked for."""
    row = get(session, org_id, webhook_id)
    given = body.model_fields_set
    now = time.time()
    if body.url is not None:
        row.url = check_url(runtime, body.url)
    if body.events is not None:
        row.events_json = _patterns(body.events)
    if "app_id" in given:
        row.app_id = _check_app(session, org_id, body.app_id)
    if "description" in given:
        row.description = body.description
    if body.enabled is True and not row.enabled:
        row.enabled, row.disabled_reason, row.failing_since = True, None, None
    elif body.enabled is False and row.enabled:
        row.enabled, row.disabled_reason = False, DISABLED_BY_USER
        delivery_rows.cancel_pending(session, row.id, f"the webhook was {DISABLED_BY_USER}")
    secret = None
    if body.rotate_secret:
        secret = new_secret()
        grace = body.secret_grace_seconds
        row.previous_secret_sealed = row.secret_sealed if grace else None
        row.previous_secret_expires_at = now + grace if grace else None
        row.secret_sealed = runtime.webhook_box.seal(secret)
    row.updated_at = now
    session.add(row)
    session.commit()
    runtime.webhooks.subscriptions.forget(org_id)
    return row, secret


def delete(session: Session, runtime: Runtime, org_id: str, webhook_id: str) -> WebhookDeleted:
    """Delete the subscription and its deliveries, and commit."""
    row = get(session, org_id, webhook_id)
    subscription_rows.remove(session, row)
    session.commit()
    runtime.webhooks.subscriptions.forget(org_id)
    return WebhookDeleted(id=webhook_id)
