"""The load driver process: ``python -m loadgen.driver --parent PID``, the config as JSON
on stdin (a pipe: the target's credentials never touch the disk).

Dies with its parent (``PR_SET_PDEATHSIG``, see :mod:`loadgen.lifeline`), and so do the
local Locust workers it starts. Runs Locust as a library (a local runner, or the master of
local or remote workers, see :mod:`loadgen.team`), writes a
:class:`~loadgen.protocol.StatsLine` to stdout every ``stats_interval_s`` and, at the end,
one :class:`~loadgen.protocol.ReportLine`; exit status 0, also when stopped by SIGTERM or
SIGINT (the load ends at once and the report covers what ran). When the test cannot run
at all it writes an :class:`~loadgen.protocol.ErrorLine` and exits 2 (bad config, denied
target), 3 (master could not listen, workers did not come) or 1 (a crash). Logs go to
stderr.

Locust patches the standard library with gevent on import, which is why it runs here, in
a process of its own, and never in an API or Dramatiq worker process. This module itself
imports nothing heavy, so that a stop signal arriving while Locust loads is remembered,
and Locust is imported before anything else that could load ``ssl`` or sockets.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

EXIT_BAD_INPUT = 2

log = logging.getLogger("gauntlet.loadgen")


class EarlySignals:
    """Remembers SIGTERM/SIGINT until the load test installs its own handlers."""

    def __init__(self) -> None:
        self.received: list[int] = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._remember)

    def _remember(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)


def parent_pid(args: list[str]) -> int | None:
    """The PID after ``--parent``, or None when the arguments are not exactly that."""
    if len(args) == 2 and args[0] == "--parent" and args[1].isdigit():
        return int(args[1])
    return None


def main(argv: list[str] | None = None) -> int:
    """Entry point: read the config from stdin and run it."""
    early = EarlySignals()
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    parent = parent_pid(args)
    if parent is None:
        print("usage: python -m loadgen.driver --parent PID  < CONFIG.json", file=sys.stderr)
        return EXIT_BAD_INPUT
    from loadgen.lifeline import die_with_parent

    die_with_parent(parent)

    import locust  # noqa: F401  (first: patches the standard library with gevent)
    from pydantic import ValidationError

    from loadgen.config import ErrorLine, LoadConfig
    from loadgen.session import LineWriter, run
    from runner import STORED_SUITE, Masker, secrets_of

    emit = LineWriter(sys.stdout)
    try:
        config = LoadConfig.model_validate_json(sys.stdin.buffer.read(), context=STORED_SUITE)
    except OSError as exc:
        emit(ErrorLine(message=f"cannot read the load test config: {exc.strerror}"))
        return EXIT_BAD_INPUT
    except ValidationError as exc:
        emit(ErrorLine(message=f"invalid load test config: {describe(exc)}"))
        return EXIT_BAD_INPUT
    crew = None
    if config.workers > 1 and config.remote is None:
        from loadgen.team import Crew

        # Now, before any runner, socket or thread exists: see Crew.fork.
        crew = Crew.fork(config.workers)
    try:
        return run(config, emit, stopped=bool(early.received), crew=crew)
    except Exception as exc:
        log.exception("loadgen.driver.crashed")
        masker = Masker(secrets=secrets_of(config.auth))
        emit(ErrorLine(message=masker.text(f"load driver failed: {type(exc).__name__}: {exc}")))
        return 1


def describe(exc: ValidationError) -> str:
    """The fields at fault and why, without the input values (they may hold secrets)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)
    )


def exit_now(code: int) -> None:
    """Leave without the interpreter's teardown: the report is out, and tearing down
    gevent's hub, its thread pool and ZeroMQ took about a second, which a stop (promised
    within 2 s) and the next job waited for."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
