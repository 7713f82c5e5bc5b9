"""Plain-language explanations of a failing step, for the "validate" feature: what was
expected, what came back, and why the step failed (with a hint where one helps)."""

from __future__ import annotations

from runner.assertions import human_size
from runner.compare import show
from runner.results import AssertionResult, RecordedResponse, StepResult

# How much of a response body an explanation quotes.
BODY_PREVIEW_CHARS = 200

_HINTS = {
    "missing_variable": "Fix that step first, or give the variable a value in the suite's "
    "variables or the run environment.",
    "template": "Define the variable in the suite's variables or the run environment, or "
    "extract it in an earlier step.",
    "refused": "Nothing is listening there: check the base URL and that the API is running.",
    "timeout": "The target is too slow or hangs; check its health or raise the timeout.",
    "reset": "The target dropped the connection; look at its logs for a crash.",
    "too_many_redirects": "The target redirects in a loop; check the path and its auth.",
    "denied": "Targets are limited by the host policy; use an allowed host.",
    "invalid_url": "Check the run's base URL and the step's path.",
    "invalid_request": "Check the step's headers: HTTP allows only plain ASCII there.",
    "unresolvable": "Check the host name in the base URL.",
}


def explain(step: StepResult) -> list[str]:
    """Sentences explaining why ``step`` failed; empty when it passed."""
    if step.passed:
        return []
    lines: list[str] = []
    where = f"{step.request.method} {step.request.url}" if step.request else "the request"
    if step.error:
        if step.error_kind in ("missing_variable", "template"):
            lines.append(f"Step {step.index + 1} ({step.name!r}) was not sent: {step.error}.")
        else:
            lines.append(f"{where} got no response: {step.error}.")
        hint = _HINTS.get(step.error_kind or "")
        if hint:
            lines.append(hint)
    for position, result in enumerate(step.assertions, start=1):
        if not result.passed:
            lines.append(f"Assertion {position} ({_describe(result)}) failed: {result.reason}.")
    for variable, reason in step.extraction_failures.items():
        lines.append(
            f"Variable {variable} could not be extracted: {reason}; "
            "later steps that use it will fail."
        )
    if step.response is not None:
        lines.append(_response_line(where, step.response))
    return lines


def _describe(result: AssertionResult) -> str:
    if result.type == "status_code":
        return f"status code {show(result.expected)}"
    if result.type in ("schema", "latency_ms"):
        return result.type.replace("_ms", "")
    subject = result.target or result.type
    if result.op in ("exists", "not_exists"):
        return f"{subject} {result.op}"
    return f"{subject} {result.op} {show(result.expected)}"


def _response_line(where: str, response: RecordedResponse) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    line = (
        f"{where} answered {response.status} in {response.elapsed_ms:.0f} ms "
        f"({kind}, {human_size(response.size)})"
    )
    if response.truncated:
        line += ", cut at the response size cap"
    preview = response.body.strip()
    if not preview:
        return line + " with an empty body."
    if len(preview) > BODY_PREVIEW_CHARS:
        preview = preview[:BODY_PREVIEW_CHARS] + "…"
    return f"{line}: {preview}"
