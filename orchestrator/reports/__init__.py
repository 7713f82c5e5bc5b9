"""Reports of runs and load tests, one module per format, used by the API (which serves
them) and the ``gauntlet`` client (which writes them) alike.

- :mod:`~orchestrator.reports.model`: the run report document (JSON) everything is built from
- :mod:`~orchestrator.reports.json_report`: it as JSON, and its shipped JSON Schema
- :mod:`~orchestrator.reports.junit`: JUnit XML of a run, and of a load test's thresholds
- :mod:`~orchestrator.reports.html`: a self-contained HTML page of a run
"""

from orchestrator.reports.html import run_html
from orchestrator.reports.json_report import run_json, run_report_schema
from orchestrator.reports.junit import assertion_lines, load_junit, run_junit
from orchestrator.reports.model import REPORT_FORMAT, Counts, RunInfo, RunReport, SuiteRunReport
from orchestrator.reports.text import xml_safe

__all__ = [
    "REPORT_FORMAT",
    "Counts",
    "RunInfo",
    "RunReport",
    "SuiteRunReport",
    "assertion_lines",
    "load_junit",
    "run_html",
    "run_json",
    "run_junit",
    "run_report_schema",
    "xml_safe",
]
