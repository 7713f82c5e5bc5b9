"""Exit codes of the client commands, and the one error type they raise.

The codes follow what CI users know from Newman, k6 and pytest: a script can tell a
red build (tests failed) from a broken pipeline (bad usage, no server) and from a run
that never finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum


class Exit(IntEnum):
    PASSED = 0
    """Every test passed (or the command did what it was asked)."""
    FAILED = 1
    """Tests failed: an assertion, a step that could not be sent, a crossed threshold."""
    USAGE = 2
    """Bad usage, or a server that cannot be reached or refused the request."""
    STOPPED = 3
    """The job was stopped or cancelled, or did not end within --timeout."""


# For several jobs (validate of many suites): the exit of the worst outcome.
_SEVERITY = (Exit.PASSED, Exit.FAILED, Exit.STOPPED, Exit.USAGE)


def worst(codes: Sequence[Exit]) -> Exit:
    """The most severe of ``codes`` (PASSED for none)."""
    return max(codes, key=_SEVERITY.index, default=Exit.PASSED)


class ClientError(Exception):
    """Something the user has to fix or retry. The command prints ``message`` (and each
    of ``details``) on stderr, without a traceback, and exits with ``code``."""

    def __init__(self, message: str, details: Sequence[str] = (), code: Exit = Exit.USAGE):
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.code = code
