"""A run as one self-contained HTML page: inline CSS, no script, no request for anything.

It opens offline, from a CI artifact or a mail attachment. Its Content-Security-Policy
allows only its own inline style, so even a hostile suite name or response body that
slipped through escaping could load nothing. Failing steps come first in each suite
and are open; passing ones are folded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from importlib import resources

from orchestrator.reports.model import Counts, RunReport, SuiteRunReport
from orchestrator.reports.text import cut, shown, xml_safe
from runner import AssertionResult, StepResult

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
# Bodies are already bounded by the run; this keeps a page with many steps light.
MAX_BODY_CHARS = 20_000
MAX_VALUE_CHARS = 2_000


def _t(text: object) -> str:
    """Text for HTML: characters XML forbids made visible, then escaped."""
    return escape(xml_safe(str(text)), quote=True)


def _when(unix: float | None) -> str:
    if unix is None:
        return "—"
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _ms(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def _badge(status: str) -> str:
    kind = {"PASSED": "pass", "FAILED": "fail", "STOPPED": "stop"}.get(status, "other")
    return f'<span class="badge {kind}">{_t(status)}</span>'


def _assertion_row(assertion: AssertionResult) -> str:
    what = assertion.type + (f" {assertion.target}" if assertion.target else "")
    verdict = "pass" if assertion.passed else "fail"
    return (
        f'<tr class="{verdict}"><td>{_t(what)}</td><td>{_t(assertion.op or "")}</td>'
        f"<td><code>{_t(shown(assertion.expected, MAX_VALUE_CHARS))}</code></td>"
        f"<td><code>{_t(shown(assertion.actual, MAX_VALUE_CHARS))}</code></td>"
        f"<td>{_t(assertion.reason or ('ok' if assertion.passed else 'failed'))}</td></tr>"
    )


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def _exchange(step: StepResult) -> str:
    parts = []
    if step.request is not None:
        request = step.request
        text = f"{request.method} {request.url}\n{_headers(request.headers)}"
        if request.body:
            text += f"\n\n{cut(request.body, MAX_BODY_CHARS)}"
        parts.append(f"<h5>Request</h5><pre>{_t(text)}</pre>")
    if step.response is not None:
        response = step.response
        text = f"{response.status}\n{_headers(response.headers)}"
        if response.body:
            text += f"\n\n{cut(response.body, MAX_BODY_CHARS)}"
        if response.truncated:
            text += "\n\n[cut at the response size cap]"
        parts.append(f"<h5>Response</h5><pre>{_t(text)}</pre>")
    return "".join(parts)


def _step(step: StepResult) -> str:
    status = "PASSED" if step.passed else "FAILED"
    line = ""
    if step.request is not None:
        line = f"{step.request.method} {step.request.url}"
        if step.response is not None:
            line += f" → {step.response.status}"
    body = []
    if step.error:
        body.append(f'<p class="error">{_t(step.error)}</p>')
    if step.assertions:
        rows = "".join(_assertion_row(a) for a in step.assertions)
        body.append(
            '<table class="assertions"><thead><tr><th>assertion</th><th>op</th>'
            f"<th>expected</th><th>actual</th><th>reason</th></tr></thead><tbody>{rows}"
            "</tbody></table>"
        )
    for var, why in step.extraction_failures.items():
        body.append(f'<p class="error">extract {_t(var)}: {_t(why)}</p>')
    body.append(_exchange(step))
    opened = "" if step.passed else " open"
    return (
        f'<details class="step {"pass" if step.passed else "fail"}"{opened}>'
        f"<summary>{_badge(status)} <b>{step.index + 1:03d} {_t(step.name)}</b> "
        f'<span class="muted">{_t(line)} · {_ms(step.duration_ms)}</span></summary>'
        f'<div class="step-body">{"".join(body)}</div></details>'
    )


def _suite(suite: SuiteRunReport, number: int) -> str:
    # Failing steps first: the reader came for them.
    steps = sorted(suite.steps, key=lambda s: (s.passed, s.index))
    not_run = suite.steps_total - len(suite.steps)
    note = f' <span class="muted">({not_run} not run)</span>' if not_run > 0 else ""
    return (
        f'<section class="suite" id="suite-{number}"><h3>{_badge(suite.status)} '
        f'{_t(suite.name)} <span class="muted">v{suite.version} · '
        f"{suite.steps_passed}/{len(suite.steps)} steps passed · "
        f"{_ms(suite.duration_ms)}</span>{note}</h3>"
        f"{''.join(_step(s) for s in steps)}</section>"
    )


def _summary_row(suite: SuiteRunReport, number: int) -> str:
    return (
        f'<tr><td>{_badge(suite.status)}</td><td><a href="#suite-{number}">{_t(suite.name)}'
        f"</a></td><td>{suite.version}</td><td>{suite.steps_passed}</td>"
        f"<td>{suite.steps_failed}</td><td>{_ms(suite.duration_ms)}</td></tr>"
    )


def _counts(counts: Counts) -> str:
    return f"{counts.passed} passed, {counts.failed} failed, {counts.total} in all"


def _css() -> str:
    return resources.files("orchestrator.reports").joinpath("report.css").read_text("utf-8")


def run_html(report: RunReport) -> bytes:
    """The run as a self-contained HTML page (UTF-8)."""
    run = report.run
    # Failed suites first, then the rest in the order they ran.
    order = sorted(enumerate(report.suites), key=lambda p: (p[1].status == "PASSED", p[0]))
    rows = "".join(_summary_row(s, n) for n, s in order)
    sections = "".join(_suite(s, n) for n, s in order)
    title = f"Gauntlet run {run.id}: {run.status}"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_t(title)}</title><style>{_css()}</style></head>
<body><main>
<header><h1>{_badge(run.status)} Gauntlet run <code>{_t(run.id)}</code></h1>
<dl><dt>base URL</dt><dd><code>{_t(run.base_url)}</code></dd>
<dt>app</dt><dd><code>{_t(run.app_id)}</code></dd>
<dt>job</dt><dd><code>{_t(run.job_id)}</code></dd>
<dt>started</dt><dd>{_when(run.created_at)}</dd>
<dt>duration</dt><dd>{_ms(run.duration_ms)}</dd>
<dt>suites</dt><dd>{_counts(run.suites)}</dd>
<dt>steps</dt><dd>{_counts(run.steps)}</dd>
</dl></header>
<table class="summary"><thead><tr><th>status</th><th>suite</th><th>version</th>
<th>passed</th><th>failed</th><th>time</th></tr></thead><tbody>{rows}</tbody></table>
{sections}
<footer class="muted">{_t(report.format)}</footer>
</main></body></html>
"""
    return page.encode("utf-8")
