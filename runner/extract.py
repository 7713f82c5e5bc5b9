"""Extraction: values taken from a response and saved as variables for later steps.

Sources: ``$.json.path`` (the first match; a wildcard path yields the list of every
match), ``header:<name>`` (the header's text) and ``status`` (the status code). Pure,
like the assertions, so the Locust users chain requests the same way the runner does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from runner import jsonpath
from runner.assertions import not_json_reason
from runner.observed import ObservedResponse

_HEADER = "header:"


class ExtractionError(ValueError):
    """The source names nothing in this response; the message says why."""


@dataclass
class Extraction:
    """The outcome of a step's extractions: the values found and, per variable that
    could not be set, the reason."""

    values: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def extract_value(source: str, observed: ObservedResponse) -> Any:
    """The value ``source`` names in ``observed``.

    Raises :class:`ExtractionError` when the header is absent, the body is not JSON or
    the path matches nothing (a JSON ``null`` that is present is a value, not a miss).
    """
    if source == "status":
        return observed.status
    if source.lower().startswith(_HEADER):
        name = source[len(_HEADER) :].strip().lower()
        if name not in observed.headers:
            raise ExtractionError(f"header {name} is not in the response")
        return observed.headers[name]
    try:
        path = _parse(source)
    except jsonpath.JsonPathError as exc:
        raise ExtractionError(f"invalid source {source!r}: {exc}") from None
    ok, document = observed.json()
    if not ok:
        raise ExtractionError(not_json_reason(observed, f"{source} cannot be read"))
    values = path.find(document)
    if not values:
        raise ExtractionError(f"{source} is not in the response")
    return values if path.is_wildcard else values[0]


def extract_all(extract: Mapping[str, str], observed: ObservedResponse) -> Extraction:
    """Every extraction of a step; each failure is recorded, none raises."""
    outcome = Extraction()
    for variable, source in extract.items():
        try:
            outcome.values[variable] = extract_value(source, observed)
        except ExtractionError as exc:
            outcome.failures[variable] = str(exc)
    return outcome


@lru_cache(maxsize=256)
def _parse(text: str) -> jsonpath.JsonPath:
    return jsonpath.parse(text)
