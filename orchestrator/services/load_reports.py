"""Report documents of load tests: the thresholds as JUnit XML for CI systems."""

from __future__ import annotations

from sqlmodel import Session

from core.errors import Conflict
from core.jobs import TERMINAL
from loadgen.protocol import LoadReport
from orchestrator.reports import load_junit
from orchestrator.services import load_tests as load_service


def junit(session: Session, org_id: str, app_id: str, load_test_id: str) -> tuple[str, bytes]:
    """``(load test id, JUnit XML)`` of an ended load test: one testcase per threshold
    and one for the test itself. Conflict while it has not ended."""
    row = load_service.get(session, org_id, app_id, load_test_id)
    if row.status not in TERMINAL:
        raise Conflict(f"load test {row.id} is {row.status}; its JUnit report comes when it ends")
    report = LoadReport.model_validate_json(row.report_json) if row.report_json else None
    return row.id, load_junit(row.id, row.status, report, row.error)
