"""GENERATE jobs: suites from an OpenAPI document, each checked against the live API.

First the document-wide decisions (:mod:`actors.jobs.generate_decide`): where the paths
start and where the app's secret goes. Then candidates are tried best first, a few at a
time (``run_concurrency``), until ``max_test_suites`` are kept; a fallback only when the
case before it about the same operation was not kept. A candidate that passes is kept;
one that fails only because the API contradicts its own document is kept marked (see
:mod:`actors.jobs.generate_verdict`); any other is dropped with its reasons. Kept suites
are saved as they are judged, so a stopped job keeps what it found, and a retried job
first removes what its interrupted attempt saved.
"""

from __future__ import annotations

import json
import time
from contextlib import suppress
from typing import Any

from actors.engine import INFRASTRUCTURE_ERRORS, JobExecution, Outcome
from actors.generate import (
    GeneratedSuite,
    InvalidOpenAPIDocument,
    generate_suites,
)
from actors.jobs.generate_check import CandidateChecker, with_prefix
from actors.jobs.generate_decide import decide
from actors.jobs.generate_history import GenerationTally
from actors.jobs.generate_verdict import DocumentedResponses, Judgement
from core.jobs import GenerateParams, GenerateSummary
from runner import suite_to_dict
from storage import apps as app_rows
from storage import generations as generation_rows
from storage import suites as suite_rows
from storage.db import session_scope
from storage.generation_models import GenerationRecord
from storage.models import TestSuite

# Reasons carried by one generate.suite_dropped event; the history has them all.
MAX_REASONS_PER_EVENT = 5


def generate_job(execution: JobExecution[GenerateParams]) -> Outcome:
    """Generate, check and save suites for the job's app; COMPLETED when at least one
    suite was kept, FAILED when none was (the error says why), STOPPED on request."""
    params = execution.params
    job, ctx = execution.job, execution.ctx
    with session_scope(ctx.engine) as session:
        app = app_rows.get(session, job.org_id, job.app_id or "")
        stored = generation_rows.get_document(session, job.org_id, params.document_id)
        if app is None:
            return Outcome("FAILED", error="the app was deleted")
        if stored is None:
            return Outcome("FAILED", error="the job's OpenAPI document is gone")
        generation_rows.discard_attempt(session, job.org_id, job.id)
        record = generation_rows.save_record(
            session, GenerationRecord(job_id=job.id, org_id=job.org_id, app_id=app.id)
        )
        session.commit()
        auth = json.loads(app.auth_json) if app.auth_json else None
        document = json.loads(stored.document_json)
    try:
        return _generate(execution, params, record, document, auth)
    except INFRASTRUCTURE_ERRORS:
        raise  # the job goes back to the queue; its next attempt starts the record afresh
    except Exception as exc:
        # The engine fails the job; the record says so too, unless the database is what broke.
        with suppress(Exception):
            _finish(execution, record, "FAILED", f"internal error: {type(exc).__name__}")
        raise


def _generate(
    execution: JobExecution[GenerateParams],
    params: GenerateParams,
    record: GenerationRecord,
    document: dict[str, Any],
    auth: dict[str, Any] | None,
) -> Outcome:
    execution.emit(
        "generate.started",
        {
            "base_url": params.base_url,
            "schema_source": params.schema_source,
            "max_test_suites": params.max_test_suites,
            "seed": params.seed,
        },
    )
    try:
        result = generate_suites(
            document,
            seed=params.seed,
            max_test_suites=params.max_test_suites,
            ignore_endpoints=params.ignore_endpoints,
        )
    except InvalidOpenAPIDocument as exc:
        _finish(execution, record, "FAILED", exc.message)
        return Outcome("FAILED", error=exc.message)
    placed, decisions = decide(execution, params, result, document, auth)
    prefix = decisions.prefix
    record.run_base_url, record.path_prefix = params.base_url, prefix
    responses = DocumentedResponses(document, prefix)
    tally = GenerationTally(result)
    tally.decisions, tally.auth_placement = decisions.entries, decisions.placement
    # Generating from a large document takes a while; this says it is done and what next.
    execution.emit(
        "generate.candidates",
        {
            "spec_version": result.source_version,
            "path_prefix": prefix,
            "operations": len(result.operations),
            "skipped": len(result.skipped),
            "cases": result.total_cases,
            "candidates": len(result.candidates),
        },
    )
    execution.emit("generate.decided", {"decisions": decisions.as_json()})
    checker = CandidateChecker(
        execution.ctx, placed, params.base_url, params.timeout, responses, execution.should_stop
    )
    # Runs send the app's secret where generation checked it, once a suite depends on it.
    pending_auth = placed if decisions.auth_changed else None
    position, candidates = 0, result.candidates
    while position < len(candidates) and len(tally.kept) < params.max_test_suites:
        if execution.should_stop():
            break
        room = params.max_test_suites - len(tally.kept)
        batch: list[GeneratedSuite] = []
        while position < len(candidates) and len(batch) < min(checker.workers, room):
            candidate = candidates[position]
            if candidate.fallback and checker.has_valid(candidate.operation):
                position += 1  # its valid case was kept: the fallback is not needed
                continue
            if candidate.fallback and any(c.operation == candidate.operation for c in batch):
                break  # it is tried only once the case before it is judged
            batch.append(candidate)
            position += 1
        if not batch:
            continue
        judged = checker.check([with_prefix(c.suite, prefix) for c in batch], batch)
        if not _save(execution, record, tally, batch, judged, pending_auth):
            error = "the app was deleted while its suites were being generated"
            _finish(execution, record, "FAILED", error, tally)
            return Outcome("FAILED", error=error)
        if tally.kept:
            pending_auth = None
        done = max(len(tally.kept) / params.max_test_suites, position / len(candidates))
        execution.progress(min(1.0, done))
    stopped = execution.should_stop()
    tally.close(
        "not tried: the job was stopped first"
        if stopped
        else f"not tried: max_test_suites ({params.max_test_suites}) was reached first"
    )
    return _outcome(execution, record, tally, stopped)


def _save(
    execution: JobExecution[GenerateParams],
    record: GenerationRecord,
    tally: GenerationTally,
    batch: list[GeneratedSuite],
    judged: list[Judgement],
    placed_auth: dict[str, Any] | None = None,
) -> bool:
    """Store the batch's kept suites with the record in one transaction, then say so;
    with the first kept suite, ``placed_auth`` becomes the app's auth. False (nothing
    stored) when the app is gone."""
    job = execution.job
    events: list[tuple[str, dict[str, Any]]] = []
    with session_scope(execution.ctx.engine) as session:
        app = app_rows.get(session, job.org_id, job.app_id or "")
        if app is None:
            return False
        if placed_auth is not None and any(j.suite is not None for j in judged):
            app.auth_json = json.dumps(placed_auth)
            session.add(app)
        for generated, judgement in zip(batch, judged, strict=True):
            if judgement.verdict == "stopped":
                continue
            if judgement.verdict == "dropped" or judgement.suite is None:
                dropped = tally.drop(generated, judgement.reasons)
                data = dropped.model_dump(mode="json")
                data["reasons"] = dropped.reasons[:MAX_REASONS_PER_EVENT]
                events.append(("generate.suite_dropped", data))
                continue
            suite = judgement.suite
            row = suite_rows.add(
                session,
                TestSuite(
                    org_id=job.org_id,
                    app_id=job.app_id or "",
                    name=suite.name,
                    body_json=json.dumps(suite_to_dict(suite)),
                    step_count=len(suite.steps),
                ),
            )
            contradictions = judgement.reasons if judgement.verdict == "contradicts_spec" else []
            kept = tally.keep(generated, row.id, suite.name, contradictions)
            events.append(("generate.suite_kept", kept.model_dump(mode="json")))
        session.add(tally.write_progress(record))
        session.commit()
    for type_, data in events:
        execution.emit(type_, data)
    return True


def _finish(
    execution: JobExecution[GenerateParams],
    record: GenerationRecord,
    status: str,
    error: str | None,
    tally: GenerationTally | None = None,
) -> None:
    with session_scope(execution.ctx.engine) as session:
        if tally is not None:
            tally.write(record)
        record.status = status
        record.error = error
        record.finished_at = time.time()
        session.add(record)
        session.commit()


def _outcome(
    execution: JobExecution[GenerateParams],
    record: GenerationRecord,
    tally: GenerationTally,
    stopped: bool,
) -> Outcome:
    summary = GenerateSummary(
        base_url=record.run_base_url,
        path_prefix=record.path_prefix,
        auth_placement=tally.auth_placement,
        decisions=[d.model_dump(mode="json") for d in tally.decisions],
        spec_version=tally.result.source_version,
        candidates=len(tally.result.candidates),
        tried=tally.tried,
        kept=len(tally.kept),
        contradicts_spec=tally.marked,
        dropped=len(tally.dropped),
        test_suite_ids=[k.test_suite_id for k in tally.kept],
    )
    if stopped:
        _finish(execution, record, "STOPPED", None, tally)
        return Outcome("STOPPED", summary)
    if tally.kept:
        _finish(execution, record, "COMPLETED", None, tally)
        return Outcome("COMPLETED", summary)
    error = _why_nothing(tally)
    _finish(execution, record, "FAILED", error, tally)
    return Outcome("FAILED", summary, error)


def _why_nothing(tally: GenerationTally) -> str:
    if not tally.result.candidates:
        skipped = tally.result.skipped
        detail = f" ({skipped[0].target}: {skipped[0].reason})" if skipped else ""
        return f"the document yields no test suites{detail}"
    first = tally.dropped[0].reasons[0] if tally.dropped and tally.dropped[0].reasons else "?"
    return f"none of the {tally.tried} suites tried passed against the API (first: {first})"
