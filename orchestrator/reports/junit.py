"""JUnit XML for CI systems: a run (one testsuite per suite, one testcase per step) and a
load test's thresholds (one testcase per threshold).

A step whose assertions failed gets ``<failure>``; a step that could not be judged (the
request could not be built or sent: template, refused, timeout…) gets ``<error>``, the
JUnit convention for "the test did not get to assert". Every text goes through
:func:`~orchestrator.reports.text.xml_safe`, so the document is well-formed XML 1.0
whatever the names, reasons and bodies hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from loadgen.protocol import LoadReport, ThresholdVerdict
from orchestrator.reports.model import RunReport, SuiteRunReport
from orchestrator.reports.text import cut, shown, xml_safe
from runner import AssertionResult, StepResult

# A failure's message attribute is a one-line summary; the element's text has it all.
MAX_MESSAGE_CHARS = 500
MAX_VALUE_CHARS = 1000


def _element(parent: ET.Element | None, tag: str, **attributes: str) -> ET.Element:
    clean = {name: xml_safe(value) for name, value in attributes.items()}
    if parent is None:
        return ET.Element(tag, clean)
    return ET.SubElement(parent, tag, clean)


def _seconds(ms: float) -> str:
    return f"{max(ms, 0) / 1000:.3f}"


def _timestamp(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def assertion_lines(assertion: AssertionResult) -> list[str]:
    """How a failed assertion reads in a report: what, expected, actual, why."""
    what = assertion.type + (f" {assertion.target}" if assertion.target else "")
    if assertion.op:
        what += f" {assertion.op}"
    return [
        what,
        f"  expected: {shown(assertion.expected, MAX_VALUE_CHARS)}",
        f"  actual:   {shown(assertion.actual, MAX_VALUE_CHARS)}",
        f"  reason:   {assertion.reason or 'failed'}",
    ]


def _failed(step: StepResult) -> list[AssertionResult]:
    return [a for a in step.assertions if not a.passed]


def _testcase(parent: ET.Element, suite: SuiteRunReport, step: StepResult) -> str | None:
    """Add the step's testcase; "failure", "error" or None for how it ended."""
    case = _element(
        parent,
        "testcase",
        classname=suite.name,
        name=f"{step.index + 1:03d} {step.name}",
        time=_seconds(step.duration_ms),
    )
    if step.passed:
        return None
    if step.error:
        error = _element(
            case,
            "error",
            message=cut(step.error, MAX_MESSAGE_CHARS),
            type=step.error_kind or "error",
        )
        error.text = xml_safe(step.error)
        return "error"
    failed = _failed(step)
    reasons = [a.reason for a in failed if a.reason]
    lines = [line for a in failed for line in assertion_lines(a)]
    lines += [f"extract {var}: {why}" for var, why in step.extraction_failures.items()]
    failure = _element(
        case,
        "failure",
        message=cut((reasons or lines or ["step failed"])[0], MAX_MESSAGE_CHARS),
        type=failed[0].type if failed else "failure",
    )
    failure.text = xml_safe("\n".join(lines) or "step failed")
    return "failure"


def run_junit(report: RunReport) -> bytes:
    """The run as JUnit XML (UTF-8, with an XML declaration)."""
    run = report.run
    root = _element(
        None,
        "testsuites",
        name=f"gauntlet run {run.id}",
        time=_seconds(run.duration_ms),
    )
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in report.suites:
        element = _element(
            root,
            "testsuite",
            name=suite.name,
            timestamp=_timestamp(suite.started_at),
            time=_seconds(suite.duration_ms),
        )
        properties = _element(element, "properties")
        for name, value in (
            ("suite_id", suite.suite_id or ""),
            ("suite_version", str(suite.version)),
            ("status", suite.status),
            ("base_url", run.base_url),
        ):
            _element(properties, "property", name=name, value=value)
        ended = [_testcase(element, suite, step) for step in suite.steps]
        counts = {
            "tests": len(ended),
            "failures": ended.count("failure"),
            "errors": ended.count("error"),
        }
        # Steps left out by a stop are counted as skipped, so totals still add up.
        skipped = max(0, suite.steps_total - len(suite.steps))
        for name, count in counts.items():
            element.set(name, str(count))
            totals[name] += count
        element.set("skipped", str(skipped))
    for name, total in totals.items():
        root.set(name, str(total))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _threshold_name(verdict: ThresholdVerdict) -> str:
    name = f"{verdict.metric} {verdict.op} {verdict.value:g}"
    return f"{name} ({verdict.endpoint})" if verdict.endpoint else name


def load_junit(
    load_test_id: str,
    status: str,
    report: LoadReport | None,
    error: str | None,
) -> bytes:
    """A load test as JUnit XML: one testcase per threshold, and one for the load test
    itself, which fails when the test ended FAILED for a reason no threshold covers
    (an error, every request failing) and errs when it could not run at all."""
    root = _element(None, "testsuites", name=f"gauntlet load test {load_test_id}")
    suite = _element(root, "testsuite", name=f"load test {load_test_id}")
    properties = _element(suite, "properties")
    _element(properties, "property", name="status", value=status)
    if report is not None:
        suite.set("time", f"{report.elapsed_s:.3f}")
        suite.set("timestamp", _timestamp(report.started_at))
        totals = report.totals
        for name, value in (
            ("requests", totals.requests),
            ("failures", totals.failures),
            ("rps", totals.rps),
            ("p95_ms", totals.p95_ms),
            ("error_rate", totals.error_rate),
        ):
            _element(properties, "property", name=name, value="" if value is None else str(value))
    failures = errors = 0
    verdicts = report.thresholds if report is not None else []
    for verdict in verdicts:
        case = _element(suite, "testcase", classname="thresholds", name=_threshold_name(verdict))
        if not verdict.passed:
            failures += 1
            actual = "nothing measured" if verdict.actual is None else f"{verdict.actual:g}"
            message = f"{verdict.metric} was {actual}, expected {verdict.op} {verdict.value:g}"
            _element(case, "failure", message=message, type="threshold").text = xml_safe(message)
    overall = _element(suite, "testcase", classname="load test", name="load test ended")
    thresholds_failed = any(not v.passed for v in verdicts)
    if report is None and status in ("FAILED", "STOPPED", "CANCELLED"):
        errors += 1
        text = error or f"the load test ended {status} without a report"
        _element(
            overall, "error", message=cut(text, MAX_MESSAGE_CHARS), type=status
        ).text = xml_safe(text)
    elif status == "FAILED" and not thresholds_failed:
        failures += 1
        text = error or "the load test failed"
        _element(
            overall, "failure", message=cut(text, MAX_MESSAGE_CHARS), type="load"
        ).text = xml_safe(text)
    for element in (root, suite):
        element.set("tests", str(len(verdicts) + 1))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
