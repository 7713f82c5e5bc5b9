"""What each webhook event says: the JSON body ``{"id", "type", "created_at", "data"}``.

A job event becomes its lifecycle notice (``job.completed`` …) and, when it is a
terminal event of a kind with a summary and the job left a result, that summary
(``run.completed`` …). Every notice of a job carries the event's ``seq`` so that a
receiver can order and deduplicate; ``id`` is derived from the job, the seq and the type,
so it is the same however often the event is delivered.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlmodel import Session

from actors.webhooks.catalog import PING_TYPE, SUMMARY_TYPE, TERMINAL_SOURCE_TYPES
from core.jobs import JobKind
from storage import load_tests as load_rows
from storage.events import Event, format_timestamp
from storage.models import Job


@dataclass(frozen=True)
class Notice:
    """One webhook event, ready to be delivered to every subscription that wants it."""

    id: str
    type: str
    job_id: str | None
    seq: int | None
    body: bytes


def _event_id(job_id: str, seq: int, type_: str) -> str:
    digest = hashlib.sha256(f"{job_id}:{seq}:{type_}".encode()).hexdigest()
    return f"evt_{digest[:24]}"


def _body(event_id: str, type_: str, created_at: float, data: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {"id": event_id, "type": type_, "created_at": int(created_at), "data": data}
    )


def link(public_url: str | None, path: str) -> str:
    """``path`` under the installation's public URL (the bare path when none is set)."""
    return f"{public_url.rstrip('/')}{path}" if public_url else path


def notices_for(session: Session, job: Job, event: Event, public_url: str | None) -> list[Notice]:
    """The notices ``event`` of ``job`` produces (none for an event no one may subscribe
    to is the caller's concern: it only passes lifecycle events)."""
    created = event.timestamp.timestamp()
    common = {
        "job_id": job.id,
        "job_type": job.type,
        "app_id": job.app_id,
        "job_status": event.status,
        "seq": event.seq,
        "job_url": link(public_url, f"/client/v1/jobs/{job.id}"),
    }
    lifecycle = {
        **common,
        "event_timestamp": format_timestamp(event.timestamp),
        "event": event.data,
    }
    out = [
        Notice(
            _event_id(job.id, event.seq, event.type),
            event.type,
            job.id,
            event.seq,
            _body(_event_id(job.id, event.seq, event.type), event.type, created, lifecycle),
        )
    ]
    summary = _summary(session, job, event, public_url)
    if summary is not None:
        type_ = SUMMARY_TYPE[JobKind(job.type)]
        event_id = _event_id(job.id, event.seq, type_)
        out.append(
            Notice(
                event_id,
                type_,
                job.id,
                event.seq,
                _body(event_id, type_, created, {**common, **summary}),
            )
        )
    return out


def _summary(
    session: Session, job: Job, event: Event, public_url: str | None
) -> dict[str, Any] | None:
    if event.type not in TERMINAL_SOURCE_TYPES or job.type not in SUMMARY_TYPE:
        return None
    result = event.data.get("result") or {}
    if not result:
        return None  # the job errored before it had anything to report
    if job.type == JobKind.RUN:
        return {
            "test_run_id": result.get("test_run_id"),
            "status": result.get("status"),
            "base_url": result.get("base_url"),
            "suites": result.get("suites"),
            "steps": result.get("steps"),
            "duration_ms": result.get("duration_ms"),
            "error": event.data.get("error"),
            "report_url": link(
                public_url, f"/client/v1/apps/{job.app_id}/test-runs/{result.get('test_run_id')}"
            ),
        }
    if job.type == JobKind.LOAD_TEST:
        load_test_id = str(result.get("load_test_id"))
        row = load_rows.by_id(session, load_test_id)
        report = json.loads(row.report_json) if row is not None and row.report_json else {}
        return {
            "load_test_id": load_test_id,
            "requests": result.get("requests"),
            "failures": result.get("failures"),
            "rps": result.get("rps"),
            "p95_ms": result.get("p95_ms"),
            "thresholds_passed": result.get("thresholds_passed"),
            "thresholds": report.get("thresholds", []),
            "stopped_early": result.get("stopped_early"),
            "error": event.data.get("error"),
            "report_url": link(
                public_url, f"/client/v1/apps/{job.app_id}/load-tests/{load_test_id}"
            ),
        }
    return {
        "candidates": result.get("candidates"),
        "kept": result.get("kept"),
        "dropped": result.get("dropped"),
        "contradicts_spec": result.get("contradicts_spec"),
        "test_suite_ids": result.get("test_suite_ids", []),
        "error": event.data.get("error"),
        "history_url": link(
            public_url, f"/client/v1/apps/{job.app_id}/generation-history/{job.id}"
        ),
    }


def ping(subscription_id: str) -> Notice:
    """The body of ``POST /webhooks/{id}/ping``: a notice with no job."""
    event_id = f"evt_{secrets.token_hex(12)}"
    data = {"webhook_id": subscription_id, "message": "ping from Gauntlet"}
    return Notice(event_id, PING_TYPE, None, None, _body(event_id, PING_TYPE, time.time(), data))
