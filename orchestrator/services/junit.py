"""JUnit XML of a test run, for CI systems: one testsuite per suite, one testcase per step."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from storage.models import SuiteReport, TestRun


def junit_xml(run: TestRun, reports: list[SuiteReport]) -> bytes:
    root = ET.Element(
        "testsuites",
        name=f"gauntlet run {run.id}",
        tests=str(run.total_steps),
        failures=str(run.failed_steps),
        time=f"{run.duration_ms / 1000:.3f}",
    )
    for report in reports:
        steps = json.loads(report.steps_json)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=report.suite_name,
            tests=str(len(steps)),
            failures=str(sum(1 for s in steps if not s["passed"])),
            time=f"{report.duration_ms / 1000:.3f}",
        )
        for step in steps:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=report.suite_name,
                name=f"{step['index']:03d} {step['name']}",
                time=f"{step['duration_ms'] / 1000:.3f}",
            )
            if not step["passed"]:
                reasons = [
                    a["reason"]
                    for a in step.get("assertions", [])
                    if not a["passed"] and a.get("reason")
                ]
                if step.get("error"):
                    reasons.insert(0, step["error"])
                failure = ET.SubElement(
                    case, "failure", message=(reasons or ["step failed"])[0][:500]
                )
                failure.text = "\n".join(reasons)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
