"""The service's OpenAPI document: FastAPI's, made true to the contract, with the links
between operations that a client (or a stateful fuzzer) follows from one answer to the
next request.

FastAPI builds the paths and schemas from the routes; this module corrects what it gets
wrong for this API (validation errors are 400 envelopes, never 422; a streaming route's
errors are JSON; every route under /client/v1 takes a key) and adds OpenAPI links: which
value of a response (``$response.body#/data/id``) fills which parameter of a later
operation. The links live in one table here rather than on each route, so that the
document's graph can be read (and reviewed) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core.settings import Settings
from orchestrator.middleware import API_PREFIX


@dataclass(frozen=True)
class Link:
    """An answer of ``source`` (method, path, status) fills ``parameters`` of ``target``."""

    source: tuple[str, str, str]
    name: str
    target: tuple[str, str]
    parameters: dict[str, str]


def _app(path: str) -> str:
    return API_PREFIX + "/apps/{appId}" + path


_APP_ID = {"appId": "$response.body#/data/id"}
_SUITE = {"appId": "$response.body#/data/app_id", "suiteId": "$response.body#/data/id"}
_JOB = {"jobId": "$response.body#/data/job_id"}
_WEBHOOK = {"webhookId": "$response.body#/data/id"}
_KEY = {"keyId": "$response.body#/data/id"}

# The source request's own app: an answer that does not repeat it.
_SAME_APP = {"appId": "$request.path.appId"}

_CREATE_APP = ("post", API_PREFIX + "/apps", "201")
_CREATE_SUITE = ("post", _app("/test-suites"), "201")
_CREATE_WEBHOOK = ("post", API_PREFIX + "/webhooks", "201")
_CREATE_KEY = ("post", API_PREFIX + "/api-keys", "201")
_JOB_SOURCES = (
    ("post", _app("/test-suites/run"), "202"),
    ("post", _app("/test-suites/{suiteId}/validate"), "202"),
    ("post", _app("/test-suites/generate"), "202"),
    ("post", _app("/test-runs/{runId}/normalize"), "202"),
    ("post", _app("/load-tests"), "202"),
)

LINKS: tuple[Link, ...] = (
    # An app's id opens everything below it.
    *(
        Link(_CREATE_APP, name, (verb, _app(path)), _APP_ID)
        for name, verb, path in (
            ("GetApp", "get", ""),
            ("UpdateApp", "put", ""),
            ("DeleteApp", "delete", ""),
            ("ListSuites", "get", "/test-suites"),
            ("CreateSuite", "post", "/test-suites"),
            ("RunSuites", "post", "/test-suites/run"),
            ("GenerateSuites", "post", "/test-suites/generate"),
            ("ListRuns", "get", "/test-runs"),
            ("StartLoadTest", "post", "/load-tests"),
            ("ListLoadTests", "get", "/load-tests"),
            ("SchemaCoverage", "get", "/schema-coverage"),
            ("GenerationHistory", "get", "/generation-history"),
        )
    ),
    # A suite's app and id.
    *(
        Link(_CREATE_SUITE, name, (verb, _app(path)), _SUITE)
        for name, verb, path in (
            ("GetSuite", "get", "/test-suites/{suiteId}"),
            ("ReplaceSuite", "put", "/test-suites/{suiteId}"),
            ("DeleteSuite", "delete", "/test-suites/{suiteId}"),
            ("ValidateSuite", "post", "/test-suites/{suiteId}/validate"),
            ("ListVersions", "get", "/test-suites/{suiteId}/versions"),
        )
    ),
    # Every accepted job: its state, its events, stopping it.
    *(
        Link(source, name, (verb, API_PREFIX + path), _JOB)
        for source in _JOB_SOURCES
        for name, verb, path in (
            ("GetJob", "get", "/jobs/{jobId}"),
            ("JobEvents", "get", "/jobs/{jobId}/events"),
            ("StopJob", "post", "/jobs/{jobId}/stop"),
        )
    ),
    Link(
        ("post", _app("/test-suites/{suiteId}/validate"), "202"),
        "ValidationResult",
        ("get", API_PREFIX + "/jobs/{jobId}/validation-result"),
        _JOB,
    ),
    *(
        Link(_CREATE_WEBHOOK, name, (verb, API_PREFIX + "/webhooks/{webhookId}" + path), _WEBHOOK)
        for name, verb, path in (
            ("GetWebhook", "get", ""),
            ("UpdateWebhook", "patch", ""),
            ("DeleteWebhook", "delete", ""),
            ("ListDeliveries", "get", "/deliveries"),
            ("PingWebhook", "post", "/ping"),
        )
    ),
    # The suite's current version.
    *(
        Link(
            _CREATE_SUITE,
            name,
            (verb, _app("/test-suites/{suiteId}/versions/{version}" + path)),
            {**_SUITE, "version": "$response.body#/data/version"},
        )
        for name, verb, path in (("GetVersion", "get", ""), ("Rollback", "post", "/rollback"))
    ),
    # A load test, from its start (the app is the request's).
    *(
        Link(
            ("post", _app("/load-tests"), "202"),
            name,
            (verb, _app("/load-tests/{runId}" + path)),
            {**_SAME_APP, "runId": "$response.body#/data/load_test_id"},
        )
        for name, verb, path in (
            ("GetLoadTest", "get", ""),
            ("StopLoadTest", "post", "/stop"),
            ("LoadTestEvents", "get", "/events"),
        )
    ),
    Link(
        ("post", _app("/test-suites/generate"), "202"),
        "GenerationResult",
        ("get", _app("/generation-history/{jobId}")),
        {**_SAME_APP, **_JOB},
    ),
    # A ping's delivery (the webhook is the request's).
    *(
        Link(
            ("post", API_PREFIX + "/webhooks/{webhookId}/ping", "202"),
            name,
            (verb, API_PREFIX + "/webhooks/{webhookId}/deliveries/{deliveryId}" + path),
            {"webhookId": "$request.path.webhookId", "deliveryId": "$response.body#/data/id"},
        )
        for name, verb, path in (("GetDelivery", "get", ""), ("Redeliver", "post", "/redeliver"))
    ),
    Link(_CREATE_KEY, "RotateKey", ("post", API_PREFIX + "/api-keys/{keyId}/rotate"), _KEY),
    Link(_CREATE_KEY, "RevokeKey", ("delete", API_PREFIX + "/api-keys/{keyId}"), _KEY),
)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The document ``GET /openapi.json`` serves, built once per app."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            operation.get("responses", {}).pop("422", None)
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                # A streaming route's errors are JSON envelopes, not NDJSON.
                if code >= "400" and "application/x-ndjson" in content:
                    content["application/json"] = content.pop("application/x-ndjson")
            if path.startswith(API_PREFIX):
                operation["security"] = [{"bearer": []}, {"apiKeyHeader": []}]
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "gnt_... API key"},
        "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    runtime = getattr(app.state, "runtime", None)
    if runtime is not None:
        state_deployment_limits(doc, runtime.settings)
    add_links(doc)
    app.openapi_schema = doc
    return doc


def state_deployment_limits(doc: dict[str, Any], settings: Settings) -> None:
    """The bounds a deployment sets on a load test (checked in services.load_tests), as
    the document's maxima, so that the document refuses what the service refuses."""
    properties = doc["components"]["schemas"]["LoadTestCreate"]["properties"]
    properties["virtual_users"]["maximum"] = settings.max_virtual_users
    properties["duration_secs"]["maximum"] = settings.max_load_duration_seconds
    # Optional: the bound goes on the integer branch of its anyOf (null is the other).
    for branch in properties["workers"]["anyOf"]:
        if branch.get("type") == "integer":
            branch["maximum"] = settings.load_max_workers


def add_links(doc: dict[str, Any]) -> None:
    """Put every link of :data:`LINKS` on its source response, naming the target by its
    operationId. A link whose operation is missing is a bug in the table: raise."""
    paths = doc["paths"]
    for link in LINKS:
        method, path, status = link.source
        target_method, target_path = link.target
        try:
            response = paths[path][method]["responses"][status]
            operation_id = paths[target_path][target_method]["operationId"]
        except KeyError as exc:
            raise LookupError(f"OpenAPI link {link.name} names a missing operation") from exc
        response.setdefault("links", {})[link.name] = {
            "operationId": operation_id,
            "parameters": dict(link.parameters),
        }
