"""Errors of the step runner that concern the target, not the suite.

A :class:`TargetError` fails the step that met it, never the worker: the runner turns it
into the step's ``error`` and goes on with the next step.
"""

from __future__ import annotations

from typing import Literal

TargetErrorKind = Literal[
    "refused",
    "timeout",
    "reset",
    "too_many_redirects",
    "denied",
    "invalid_url",
    "invalid_request",
    "unresolvable",
    "protocol",
    "network",
]


class TargetError(Exception):
    """The target could not be reached or did not answer properly.

    ``kind`` classifies it for programs; ``message`` says it in plain words and is safe
    to record (callers mask the app's secrets in it).
    """

    def __init__(self, kind: TargetErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: TargetErrorKind = kind
        self.message = message
