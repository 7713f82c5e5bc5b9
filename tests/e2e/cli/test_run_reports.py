"""The report files ``gauntlet run`` writes: JUnit read by an XML parser and by
junitparser (as CI plugins read it), JSON checked against the shipped schema, HTML opened
in headless Chromium; and each equal to what the API serves for the run."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import junitparser
from jsonschema import Draft202012Validator

from orchestrator.reports import run_report_schema
from tests.e2e.cli.conftest import Cli, assert_exit
from tests.e2e.cli.suites import failing_suite
from tests.support.browser import Browser
from tests.support.factories import create_app_with_suites, crud_suite, health_suite
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget

REPORTS = ["--junit", "out/junit.xml", "--html", "out/report.html", "--json", "out/report.json"]


def run_with_reports(cli: Cli, app: str, *extra: str) -> tuple[Path, str]:
    result = cli("run", "--app", app, *REPORTS, *extra)
    assert_exit(result, 1)
    for name in ("junit.xml", "report.html", "report.json"):
        assert f"wrote out/{name}" in result.stderr
    run_id = result.stdout.rsplit("(run ", 1)[1].split(")")[0]
    return cli.cwd / "out", run_id


def test_junit_has_a_testsuite_per_suite_failures_and_errors(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), failing_suite())
    out, _ = run_with_reports(cli, app)

    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "0")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert sorted(suites) == ["health is 201", "pets crud"]
    assert [c.get("name") for c in suites["pets crud"].iter("testcase")] == [
        "001 create",
        "002 read",
        "003 delete",
        "004 read is 404",
    ]
    failure = suites["health is 201"].find("testcase/failure")
    assert failure is not None and failure.get("message") == "expected status 201, got 200"
    assert "expected: 201" in (failure.text or "") and "actual:   200" in (failure.text or "")

    xml = junitparser.JUnitXml.fromfile(str(out / "junit.xml"))
    parsed = {suite.name: suite for suite in xml}
    assert parsed["pets crud"].tests == 4 and parsed["pets crud"].failures == 0
    case = next(iter(parsed["health is 201"]))
    assert isinstance(case.result[0], junitparser.Failure)
    assert case.result[0].message == "expected status 201, got 200"


def test_junit_reports_a_request_that_could_not_be_sent_as_an_error(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())
    closed = f"http://127.0.0.1:{free_port()}"

    out, _ = run_with_reports(cli, app, "--base-url", closed)

    xml = junitparser.JUnitXml.fromfile(str(out / "junit.xml"))
    suite = next(iter(xml))
    assert suite.errors == 1 and suite.failures == 0
    result = next(iter(suite)).result[0]
    assert isinstance(result, junitparser.Error) and result.type == "refused"


def test_json_report_follows_the_shipped_schema_and_equals_the_api_document(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), failing_suite())
    out, run_id = run_with_reports(cli, app)

    document = json.loads((out / "report.json").read_text())
    Draft202012Validator(run_report_schema()).validate(document)
    assert document["format"] == "gauntlet.run-report/1"
    assert document["run"]["id"] == run_id and document["run"]["status"] == "FAILED"
    failing = next(s for s in document["suites"] if s["name"] == "health is 201")
    assert failing["steps"][0]["assertions"][0]["reason"] == "expected status 201, got 200"
    served = http.get(f"/apps/{app}/test-runs/{run_id}", params={"format": "json"})
    assert served.content == (out / "report.json").read_bytes()


def test_client_reports_equal_the_ones_the_api_serves(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), failing_suite())
    out, run_id = run_with_reports(cli, app)

    for name, format_ in (("junit.xml", "junit"), ("report.html", "html")):
        served = http.get(f"/apps/{app}/test-runs/{run_id}", params={"format": format_})
        assert served.status_code == 200
        assert served.content == (out / name).read_bytes(), name


def test_html_report_opens_offline_in_chromium_and_shows_the_failing_step(
    cli: Cli, http: httpx.Client, target: PetsTarget, browser: Browser
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), failing_suite())
    out, run_id = run_with_reports(cli, app)

    browser.open((out / "report.html").resolve().as_uri())

    assert browser.text("h1").startswith("FAILED")
    assert run_id in browser.text("h1")
    failing = browser.text("details.step.fail")
    assert "001 health" in failing
    assert "expected status 201, got 200" in failing and "$.ok: expected false, got true" in failing
    assert browser.count("details.step.fail[open]") == 1
    assert browser.count("details.step.pass") == 4 and browser.count("details.step.pass[open]") == 0
    # Nothing was fetched: no stylesheet, script, font or image from anywhere.
    assert browser.run("return performance.getEntriesByType('resource').length") == 0


def test_hostile_names_leave_every_report_well_formed_and_inert(
    cli: Cli, http: httpx.Client, target: PetsTarget, browser: Browser
) -> None:
    hostile = "<script>document.title='pwned'</script> ]]> & \x1b[31m \x0b\x0c \U0001f4a5 \ufffe"
    suite = failing_suite(f"suite {hostile}")
    suite["steps"][0]["name"] = f"step {hostile}"
    app, _ = create_app_with_suites(http, target.url, suite)
    out, _ = run_with_reports(cli, app)

    root = ET.parse(out / "junit.xml").getroot()
    names = [s.get("name") for s in root.iter("testsuite")]
    assert names == [
        "suite <script>document.title='pwned'</script> ]]> & \\x1b[31m \\x0b\\x0c \U0001f4a5 \\ufffe"
    ]
    junitparser.JUnitXml.fromfile(str(out / "junit.xml"))
    browser.open((out / "report.html").resolve().as_uri())
    assert "pwned" not in browser.run("return document.title")
    assert "<script>document.title='pwned'</script>" in browser.text("section.suite h3")
