"""The HTML report is one inert, self-contained page; the JSON report follows the
schema shipped in the package, which is the model's own."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from jsonschema import Draft202012Validator

from orchestrator.reports import run_html, run_json, run_report_schema
from orchestrator.reports.json_report import SCHEMA_FILE, schema_text
from tests.orchestrator.reports.factories import report, step
from tests.orchestrator.reports.test_junit import HOSTILE

# Every element the report is made of: hostile text must never add one.
PAGE_TAGS = frozenset(
    ("html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h3", "h5", "code",
     "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "a", "section", "details",
     "summary", "span", "b", "pre", "p", "div", "footer")
)  # fmt: skip


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: bytes) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page.decode())
    return parser.tags


def test_html_loads_nothing_and_runs_nothing() -> None:
    page = run_html(report(("pets", [step(0, "read", passed=False, reason="expected 200")])))

    tags = tags_of(page)
    names = {tag for tag, _ in tags}
    assert "script" not in names and "link" not in names and "img" not in names
    assert not any(a.get("src") for _, a in tags)
    assert all((a.get("href") or "#").startswith("#") for tag, a in tags if tag == "a")
    csp = next(a["content"] for tag, a in tags if a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and csp.startswith("default-src 'none'; style-src 'unsafe-inline'")
    assert b"<style>" in page and b"@import" not in page and b"url(" not in page


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_html_shows_hostile_text_as_text(text: str) -> None:
    page = run_html(
        report((f"suite {text}", [step(0, f"step {text}", passed=False, reason=text, body=text)]))
    ).decode()

    tags = tags_of(page.encode())
    assert {tag for tag, _ in tags} <= PAGE_TAGS
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", page)


def test_html_puts_failing_suites_and_steps_first_and_open() -> None:
    page = run_html(
        report(
            ("passing", [step(0, "ok")]),
            ("failing", [step(0, "fine"), step(1, "broken", passed=False, reason="nope")]),
        )
    ).decode()

    assert page.index("failing") < page.index("passing")
    assert page.index("002 broken") < page.index("001 fine")
    assert page.count('<details class="step fail" open>') == 1
    assert page.count('<details class="step pass">') == 2


def test_shipped_schema_is_the_models_schema() -> None:
    from importlib import resources

    shipped = resources.files("orchestrator.reports").joinpath(SCHEMA_FILE).read_text("utf-8")
    assert shipped == schema_text(), (
        "orchestrator/reports/run-report.schema.json is stale: regenerate it with "
        'python -c "from orchestrator.reports.json_report import write_schema; write_schema()"'
    )
    Draft202012Validator.check_schema(run_report_schema())


def test_json_report_validates_against_the_schema() -> None:
    document = json.loads(
        run_json(report(("pets", [step(0, "read", passed=False), step(1, "x", error="refused")])))
    )

    Draft202012Validator(run_report_schema()).validate(document)
    assert document["format"] == "gauntlet.run-report/1"


def test_json_schema_refuses_what_is_not_a_run_report() -> None:
    validator = Draft202012Validator(run_report_schema())
    assert not validator.is_valid({"format": "gauntlet.run-report/1", "suites": []})
    assert not validator.is_valid({"format": "other", "run": {}, "suites": []})


def test_json_report_of_a_lone_surrogate_is_still_utf8() -> None:
    body = run_json(report(("bad \ud800 name", [step()])))

    assert json.loads(body.decode("utf-8"))["suites"][0]["name"] == "bad ? name"
