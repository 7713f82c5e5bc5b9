"""JUnit XML: the structure CI plugins expect, and well-formed XML 1.0 whatever the
suites, steps, targets and errors put in it (each read back by ElementTree, by expat
through minidom, and by junitparser)."""

from __future__ import annotations

from pathlib import Path
from xml.dom import minidom
from xml.etree import ElementTree as ET

import junitparser
import pytest

from loadgen.protocol import EndpointStats, LoadReport, ThresholdVerdict
from orchestrator.reports import load_junit, run_junit, xml_safe
from tests.orchestrator.reports.factories import report, step

# What users and targets put in names, reasons and errors: every class of character
# XML 1.0 forbids, and the ones that must merely be escaped.
HOSTILE = {
    "nul": "a\x00b",
    "c0 controls": "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r"),
    "terminal colours": "\x1b[31mred\x1b[0m",
    "delete and c1": "\x7f\x80\x85\x9f",
    "lone high surrogate": "x\ud800y",
    "lone low surrogate": "x\udfffy",
    "noncharacters": "\ufffe\uffff",
    "markup": "<testcase name='x'/></testsuite>",
    "entities": "&amp; &lt; &#0; &#x1b; &bogus;",
    "cdata end": "]]> <![CDATA[ x ]]>",
    "quotes": "\"double\" 'single'",
    "newlines and tabs": "one\ntwo\r\nthree\tfour",
    "astral and rtl": "\U0001f4a5 \u202eevil\u202c \u200b",
    "long": "x" * 100_000,
}
ALLOWED = {"\t", "\n", "\r"}


def forbidden(text: str) -> list[str]:
    return [
        c
        for c in text
        if not (
            c in ALLOWED
            or 0x20 <= ord(c) <= 0xD7FF
            or 0xE000 <= ord(c) <= 0xFFFD
            or 0x10000 <= ord(c) <= 0x10FFFF
        )
    ]


def normalize(text: str) -> str:
    """Line ends as an XML parser reports them in text (CR and CRLF read as LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_every_way(xml: bytes, tmp_path: Path) -> ET.Element:
    """The document as ElementTree, after expat (minidom) and junitparser also read it."""
    minidom.parseString(xml)
    path = tmp_path / "junit.xml"
    path.write_bytes(xml)
    junitparser.JUnitXml.fromfile(str(path))
    return ET.fromstring(xml)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("where", ["suite", "step", "reason", "values", "error"])
def test_junit_is_well_formed_whatever_the_text(text: str, where: str, tmp_path: Path) -> None:
    steps = [
        step(
            0,
            text if where == "step" else "read",
            passed=False,
            reason=text if where == "reason" else "expected 201",
            expected=text if where == "values" else 201,
            actual={"echo": text} if where == "values" else 200,
        ),
        step(1, "send", error=text if where == "error" else "refused", error_kind="refused"),
    ]
    xml = run_junit(report((text if where == "suite" else "pets", steps)))

    root = parse_every_way(xml, tmp_path)

    texts = [v for e in root.iter() for v in e.attrib.values()] + [
        e.text or "" for e in root.iter()
    ]
    assert all(forbidden(t) == [] for t in texts)
    # What was there is still readable: allowed characters as they were, the rest escaped.
    visible = normalize(xml_safe(text))[:200]
    assert any(visible in normalize(t) for t in texts), visible


def test_forbidden_characters_are_shown_as_escapes_not_lost() -> None:
    assert xml_safe("a\x00b\x1bc\ud800d\ufffe") == "a\\x00b\\x1bc\\ud800d\\ufffe"
    assert xml_safe("tab\tnew\nline\r ok \U0001f4a5") == "tab\tnew\nline\r ok \U0001f4a5"


def test_a_suite_is_a_testsuite_a_step_a_testcase(tmp_path: Path) -> None:
    xml = run_junit(
        report(
            (
                "pets",
                [step(0, "create"), step(1, "read", passed=False, reason="expected 200, got 404")],
            ),
            ("health", [step(0, "up")]),
        )
    )

    root = parse_every_way(xml, tmp_path)

    assert [s.get("name") for s in root.iter("testsuite")] == ["pets", "health"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    pets = root.find("testsuite[@name='pets']")
    assert pets is not None
    assert [c.get("name") for c in pets.iter("testcase")] == ["001 create", "002 read"]
    failure = pets.find("testcase[@name='002 read']/failure")
    assert failure is not None and failure.get("message") == "expected 200, got 404"
    assert failure.text == (
        "status_code\n  expected: 200\n  actual:   200\n  reason:   expected 200, got 404"
    )


def test_a_step_that_could_not_be_sent_is_an_error_not_a_failure(tmp_path: Path) -> None:
    xml = run_junit(
        report(("pets", [step(0, "read", error="connection refused", error_kind="refused")]))
    )

    suite = next(iter(junitparser.JUnitXml.fromstring(xml.decode())))

    assert suite.errors == 1 and suite.failures == 0
    result = next(iter(suite)).result[0]
    assert isinstance(result, junitparser.Error)
    assert (result.type, result.message) == ("refused", "connection refused")


def test_steps_a_stop_left_out_are_counted_as_skipped(tmp_path: Path) -> None:
    xml = run_junit(report(("pets", [step(0, "first")]), steps_total=4))

    suite = parse_every_way(xml, tmp_path).find("testsuite")

    assert suite is not None and (suite.get("tests"), suite.get("skipped")) == ("1", "3")


def load_report(*verdicts: ThresholdVerdict) -> LoadReport:
    totals = EndpointStats(
        method="ALL", name="all", requests=100, failures=0, rps=50.0, p95_ms=12.0
    )
    return LoadReport(
        profile="constant",
        virtual_users=2,
        duration_secs=2,
        workers=0,
        started_at=1.7e9,
        finished_at=1.7e9 + 2,
        elapsed_s=2.0,
        stopped_early=False,
        totals=totals,
        endpoints=[totals],
        timeline=[],
        errors=[],
        skipped=[],
        thresholds=list(verdicts),
        thresholds_passed=all(v.passed for v in verdicts),
    )


def test_load_junit_has_a_testcase_per_threshold(tmp_path: Path) -> None:
    verdicts = (
        ThresholdVerdict(metric="p95_ms", op="lte", value=300, actual=12.0, passed=True),
        ThresholdVerdict(
            metric="rps", op="gt", value=100, actual=50.0, passed=False, endpoint="GET /pets"
        ),
    )
    xml = load_junit("ldt_1", "FAILED", load_report(*verdicts), "1 threshold(s) crossed")

    suite = next(iter(junitparser.JUnitXml.fromstring(xml.decode())))

    assert suite.tests == 3 and suite.failures == 1 and suite.errors == 0
    cases = {case.name: case for case in suite}
    assert set(cases) == {"p95_ms lte 300", "rps gt 100 (GET /pets)", "load test ended"}
    assert cases["rps gt 100 (GET /pets)"].result[0].message == "rps was 50, expected gt 100"
    assert cases["load test ended"].result == []


def test_load_junit_fails_a_test_that_failed_without_a_crossed_threshold() -> None:
    xml = load_junit("ldt_1", "FAILED", load_report(), "every request failed (error rate 100%)")

    suite = next(iter(junitparser.JUnitXml.fromstring(xml.decode())))

    case = next(iter(suite))
    assert case.name == "load test ended" and isinstance(case.result[0], junitparser.Failure)
    assert case.result[0].message == "every request failed (error rate 100%)"


def test_load_junit_errs_for_a_test_that_never_ran() -> None:
    xml = load_junit("ldt_1", "FAILED", None, "the load driver failed: \x00 boom")

    suite = next(iter(junitparser.JUnitXml.fromstring(xml.decode())))

    result = next(iter(suite)).result[0]
    assert (
        isinstance(result, junitparser.Error)
        and result.message == "the load driver failed: \\x00 boom"
    )
