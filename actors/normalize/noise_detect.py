"""Finding the noise of one step: places that vary between identical calls, and values of
failed comparisons that look like typical noise (times, UUIDs, tokens, Date headers).

Two sources because each misses what the other sees: two calls within the same second
return the same second-resolution timestamp (only the pattern tells), and a counter or
a short random id looks ordinary (only re-sending tells).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from actors.normalize import variance
from actors.normalize.changes import AnyAssertion
from actors.normalize.patterns import is_noisy_header, noise_kind, with_article
from runner import (
    HeaderAssertion,
    JsonPathAssertion,
    ObservedResponse,
    json_equal,
    parse_json_path,
    placeholders,
)

Parts = tuple[str | int, ...]
VARIES = "differs between identical calls"
# Only identity comparisons fail because a value changed by itself; a failed 'matches'
# or 'type' says the format changed, which is news rather than noise.
_IDENTITY_OPS = ("eq", "in")


@dataclass(frozen=True)
class NoiseFinding:
    """A noise entry (``$.path`` or ``header:<name>``) and the evidence for it."""

    entry: str
    why: str


def by_variance(samples: Sequence[ObservedResponse]) -> list[NoiseFinding]:
    """Entries for the JSON paths and headers that differ between ``samples`` (responses
    to the same request). JSON paths only when every sample is JSON."""
    if len(samples) < 2:
        return []
    findings = [
        NoiseFinding(f"header:{name}", VARIES)
        for name in sorted(variance.varying_headers([s.headers for s in samples]))
    ]
    documents = []
    for sample in samples:
        ok, document = sample.json()
        if not ok:
            return findings
        documents.append(document)
    paths = variance.noise_paths(variance.varying_parts(documents))
    return findings + [NoiseFinding(path, VARIES) for path in paths]


def by_pattern(failed: Sequence[AnyAssertion], observed: ObservedResponse) -> list[NoiseFinding]:
    """Entries for values of failed identity comparisons (``eq``, ``in``) that look like
    typical noise and differ from what the assertion expected."""
    findings: list[NoiseFinding] = []
    for assertion in failed:
        if getattr(assertion, "op", None) not in _IDENTITY_OPS:
            continue
        if isinstance(assertion, HeaderAssertion):
            findings.extend(_header_finding(assertion, observed))
        elif isinstance(assertion, JsonPathAssertion):
            findings.extend(_json_findings(assertion, observed))
    return findings


def merge(*groups: Sequence[NoiseFinding]) -> dict[str, str]:
    """entry -> why; the first group that names an entry gives its reason."""
    merged: dict[str, str] = {}
    for group in groups:
        for finding in group:
            merged.setdefault(finding.entry, finding.why)
    return merged


def _header_finding(assertion: HeaderAssertion, observed: ObservedResponse) -> list[NoiseFinding]:
    name = assertion.name.lower()
    value = observed.headers.get(name)
    if value is None:
        return []
    if is_noisy_header(name):
        return [NoiseFinding(f"header:{name}", f"the {name} header changes by design")]
    kind = noise_kind(value)
    return [NoiseFinding(f"header:{name}", f"looks like {with_article(kind)}")] if kind else []


def _json_findings(assertion: JsonPathAssertion, observed: ObservedResponse) -> list[NoiseFinding]:
    ok, document = observed.json()
    if not ok or placeholders(assertion.expected):
        return []
    findings = []
    for parts, value in parse_json_path(assertion.path).find_with_paths(document):
        for sub, leaf in _string_leaves(value, ()):
            kind = noise_kind(leaf)
            if kind and not _expected_at(assertion, sub, leaf):
                path = variance.noise_paths({(*parts, *sub)})[0]
                findings.append(NoiseFinding(path, f"looks like {with_article(kind)}"))
    return findings


def _expected_at(assertion: JsonPathAssertion, sub: Parts, leaf: str) -> bool:
    """Whether the assertion already expected exactly ``leaf`` at ``sub``: then the
    value did not change, and a stable value is no noise whatever it looks like."""
    if assertion.op == "in":
        options = assertion.expected if isinstance(assertion.expected, list) else []
        return not sub and any(json_equal(leaf, option) for option in options)
    node: Any = assertion.expected
    for part in sub:
        in_list = isinstance(part, int) and isinstance(node, list) and part < len(node)
        in_dict = isinstance(part, str) and isinstance(node, dict) and part in node
        if not (in_list or in_dict):
            return False
        node = node[part]
    return json_equal(node, leaf)


def _string_leaves(value: Any, at: Parts) -> Iterator[tuple[Parts, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, (*at, index))
    elif isinstance(value, str):
        yield at, value
