"""Generation: submitting GENERATE jobs and reading an app's generation history."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import Session

from actors.generate import Skipped
from actors.jobs.generate_history import Decision, DroppedSuite, KeptSuite, OperationResult
from core.errors import NotFound, ValidationFailed
from core.jobs import GenerateParams, JobKind
from orchestrator.runtime import Runtime
from orchestrator.schemas.generation import (
    GenerateRequest,
    GenerationCounts,
    GenerationHistoryDetail,
    GenerationHistoryEntry,
    GenerationParameters,
)
from orchestrator.services import apps as app_service
from orchestrator.services.job_submit import check_target, submit
from orchestrator.services.jobs import shown_params
from orchestrator.services.openapi_input import parse_document
from storage import generations as generation_rows
from storage.generation_models import GenerationDocument, GenerationRecord
from storage.models import Job


def submit_generate(
    session: Session, runtime: Runtime, org_id: str, app_id: str, body: GenerateRequest
) -> Job:
    """Queue a GENERATE job on the request's document, else the app's. ValidationFailed
    (field ``schema``) when there is neither or it is not OpenAPI; NotFound for an app
    of another organization."""
    app = app_service.get(session, org_id, app_id)
    check_target(runtime, body.base_url)
    if body.schema_ is not None:
        document, source = parse_document(body.schema_, field="schema"), "request"
    elif app.openapi_json:
        document, source = json.loads(app.openapi_json), "app"
    else:
        raise ValidationFailed(
            "no OpenAPI document to generate from: send one in 'schema', or give the app "
            "one (PUT /apps/{appId} with 'schema')",
            field="schema",
        )
    text = json.dumps(document)
    # Added to the session before submit() commits, so the job never exists without it.
    stored = generation_rows.add_document(
        session,
        GenerationDocument(
            org_id=org_id, sha256=hashlib.sha256(text.encode()).hexdigest(), document_json=text
        ),
    )
    params = GenerateParams(
        base_url=body.base_url,
        document_id=stored.id,
        schema_source=source,
        max_test_suites=body.max_test_suites,
        ignore_endpoints=body.ignore_endpoints,
        timeout=body.timeout,
        seed=body.seed,
        base_path=body.base_path,
    )
    return submit(session, runtime, org_id, app_id, JobKind.GENERATE, params)


def page_history(
    session: Session, org_id: str, app_id: str, offset: int, limit: int
) -> tuple[list[GenerationHistoryEntry], bool, int]:
    """``(entries newest first, has_next, total)``; NotFound for another org's app."""
    app_service.get(session, org_id, app_id)
    page = generation_rows.page_history(session, org_id, app_id, offset, limit)
    return [entry(job, record) for job, record in page.items], page.has_next, page.total


def get_history(session: Session, org_id: str, app_id: str, job_id: str) -> GenerationHistoryDetail:
    """One generation in full; NotFound unless ``job_id`` is a GENERATE job of the app."""
    app_service.get(session, org_id, app_id)
    found = generation_rows.history_entry(session, org_id, app_id, job_id)
    if found is None:
        raise NotFound(f"no generation job {job_id} for app {app_id}")
    job, record = found
    if record is None:
        return GenerationHistoryDetail(
            **entry(job, None).model_dump(), operations=[], skipped=[], suites=[], dropped_suites=[]
        )
    result = json.loads(job.result_json) if job.result_json else {}
    return GenerationHistoryDetail(
        **entry(job, record).model_dump(),
        decisions=[Decision.model_validate(d) for d in result.get("decisions") or []],
        operations=[OperationResult.model_validate(o) for o in json.loads(record.operations_json)],
        skipped=[Skipped.model_validate(s) for s in json.loads(record.skipped_json)],
        suites=[KeptSuite.model_validate(s) for s in json.loads(record.suites_json)],
        dropped_suites=[DroppedSuite.model_validate(d) for d in json.loads(record.dropped_json)],
    )


def entry(job: Job, record: GenerationRecord | None) -> GenerationHistoryEntry:
    """The summary of a GENERATE job; bare counts until its worker has started it."""
    params = shown_params(json.loads(job.params_json))
    kept = json.loads(record.suites_json) if record else []
    return GenerationHistoryEntry(
        job_id=job.id,
        app_id=job.app_id or "",
        job_status=job.status,
        created_at=int(job.created_at),
        started_at=int(job.started_at) if job.started_at else None,
        finished_at=int(job.finished_at) if job.finished_at else None,
        error=job.error,
        parameters=GenerationParameters.model_validate(
            {k: v for k, v in params.items() if k in GenerationParameters.model_fields}
        ),
        spec_version=record.spec_version if record else None,
        path_prefix=record.path_prefix if record else None,
        counts=GenerationCounts(
            operations=record.operations if record else 0,
            operations_with_suites=record.operations_with_suites if record else 0,
            operations_skipped=record.operations_skipped if record else 0,
            cases=record.total_cases if record else 0,
            candidates=record.candidates if record else 0,
            tried=record.tried if record else 0,
            kept=record.kept if record else 0,
            contradicts_spec=record.contradicts_spec if record else 0,
            dropped=record.dropped if record else 0,
        ),
        test_suite_ids=[k["test_suite_id"] for k in kept],
    )


def history_of_apps(
    session: Session, org_id: str, app_ids: list[str], offset: int, limit: int
) -> dict[str, tuple[list[GenerationHistoryEntry], bool, int]]:
    """``page_history`` of several apps at once (for batching); the apps come fenced."""
    pages = generation_rows.history_of_apps(session, org_id, app_ids, offset, limit)
    return {
        app_id: ([entry(job, record) for job, record in page.items], page.has_next, page.total)
        for app_id, page in pages.items()
    }
