"""Which operations a valid request reached in this job: the evidence that a 4xx to a
broken request is the operation refusing the broken value, not a route that does not
exist, a door closed to the credential, or an operation that refuses everything.

A valid request reached its operation when the operation accepted it: a 2xx, or a
documented 3xx. That is stricter than "any documented answer but 404": when the valid
request itself gets a 4xx (a 400 for a request the generator got wrong, or an operation
documenting nothing but errors), a 4xx to the broken request proves nothing either.
Only requests of positive cases and flows count: they are the ones meant to be valid.
"""

from __future__ import annotations

import threading

from actors.jobs.generate_verdict import DocumentedResponses, documents
from runner import Suite, SuiteResult


def reached_status(status: int, documented: list[str]) -> bool:
    """Whether ``status`` shows that a valid request was accepted by an operation
    documenting ``documented`` response keys."""
    return 200 <= status < 300 or (300 <= status < 400 and documents(status, documented))


class Reach:
    """The operations reached so far, with the first evidence for each."""

    def __init__(self, responses: DocumentedResponses) -> None:
        self.responses = responses
        self._reached: dict[str, str] = {}
        self._lock = threading.Lock()

    def observe(self, suite: Suite, result: SuiteResult) -> None:
        """Record what the steps of one run of a positive or flow ``suite`` reached."""
        for step in result.steps:
            if step.response is None:
                continue
            request = suite.steps[step.index].request
            found = self.responses.operation(request.method, request.path)
            if found is None or not reached_status(step.response.status, found[1]):
                continue
            with self._lock:
                self._reached.setdefault(found[0], f"{step.response.status} to {step.name!r}")

    def evidence(self, operation: str) -> str | None:
        """How ``operation`` was reached ("200 to 'GET /pets'"), or None if it was not."""
        with self._lock:
            return self._reached.get(operation)
