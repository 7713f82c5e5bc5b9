"""The load driver process: ``python -m loadgen.driver CONFIG.json``.

Runs Locust as a library (local runner, or master of ``expect_workers`` workers), writes a
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
import signal
import sys
from pathlib import Path
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


def main(argv: list[str] | None = None) -> int:
    """Entry point: read the config file named on the command line and run it."""
    early = EarlySignals()
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    if len(args) != 1:
        print("usage: python -m loadgen.driver CONFIG.json", file=sys.stderr)
        return EXIT_BAD_INPUT

    import locust  # noqa: F401  (first: patches the standard library with gevent)
    from pydantic import ValidationError

    from loadgen.config import ErrorLine, LoadConfig
    from loadgen.session import LineWriter, run
    from runner import Masker, secrets_of

    emit = LineWriter(sys.stdout)
    try:
        config = LoadConfig.model_validate_json(Path(args[0]).read_bytes())
    except OSError as exc:
        emit(ErrorLine(message=f"cannot read the load test config: {exc.strerror}"))
        return EXIT_BAD_INPUT
    except ValidationError as exc:
        emit(ErrorLine(message=f"invalid load test config: {describe(exc)}"))
        return EXIT_BAD_INPUT
    try:
        return run(config, emit, stopped=bool(early.received))
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


if __name__ == "__main__":
    sys.exit(main())
