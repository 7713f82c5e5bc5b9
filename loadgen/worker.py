"""Remote Locust workers for Gauntlet's distributed load tests: ``gauntlet
loadgen-worker``, which runs ``python -m loadgen.worker --parent PID``.

Long-lived: it says it is idle in Redis, takes the next ticket a load test posts there
(:mod:`loadgen.rendezvous`), joins that master, carries its users until the master ends
the test, and goes back to waiting, test after test, until SIGTERM/SIGINT. (Local
workers are forked by the driver itself: :class:`loadgen.team.Crew`.)

Importing this module is safe anywhere (the CLI imports it): the worker itself runs in a
fresh interpreter, because Locust patches the standard library with gevent on import and
patching a process that has already loaded ``ssl`` and friends is unreliable.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import uuid
from types import FrameType

EXIT_STOPPED = 0
EXIT_NOT_CONFIGURED = 2

log = logging.getLogger("gauntlet.loadgen")


def run_worker() -> int:
    """``gauntlet loadgen-worker``: a remote worker in a child process, until a stop signal
    (passed on to it). Returns its exit status: 0 after a stop, 2 when distributed mode
    is not configured (no ``GAUNTLET_REDIS_URL``)."""
    command = [sys.executable, "-m", "loadgen.worker", "--parent", str(os.getpid())]
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve_tickets_from_redis() -> int:
    import gevent

    from core.settings import get_settings
    from loadgen.distributed import Serving, serve_master
    from loadgen.rendezvous import IDLE_REFRESH_S, TicketBoard

    settings = get_settings()
    if not settings.redis_url:
        log.error(
            "loadgen.worker.no_redis: set GAUNTLET_REDIS_URL; remote loadgen workers find "
            "their load tests through Redis (distributed mode)"
        )
        return EXIT_NOT_CONFIGURED
    serving = Serving()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, serving.stop)
    board = TicketBoard(settings.redis_url, settings.redis_namespace)
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    log.info("loadgen.worker.waiting id=%s", worker_id)
    try:
        while not serving.stopping.is_set():
            try:
                board.idle(worker_id)
                ticket = board.take(IDLE_REFRESH_S)
            except OSError as exc:  # redis' ConnectionError is an OSError too
                log.warning("loadgen.worker.redis_unavailable error=%s", type(exc).__name__)
                serving.stopping.wait(IDLE_REFRESH_S)
                continue
            if ticket is None:
                continue
            board.busy(worker_id)
            refusal = serve_master(ticket, serving)
            if refusal is not None:
                log.warning(
                    "loadgen.worker.cannot_join master=%s:%d why=%s",
                    ticket.host, ticket.port, refusal,
                )  # fmt: skip
    finally:
        with contextlib.suppress(OSError):
            board.busy(worker_id)
        board.close()
    log.info("loadgen.worker.stopped id=%s", worker_id)
    return EXIT_STOPPED


def main(argv: list[str] | None = None) -> int:
    """The worker process itself (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m loadgen.worker")
    parser.add_argument("--parent", type=int, required=True, help="die with this process")
    args = parser.parse_args(argv)

    from loadgen.lifeline import die_with_parent

    die_with_parent(args.parent)
    # Locust first: importing it patches the standard library for gevent.
    import locust  # noqa: F401

    from core.logs import configure_logging
    from core.settings import get_settings

    # Locust's lines and this worker's in the installation's one format (JSON or not).
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return _serve_tickets_from_redis()


if __name__ == "__main__":
    sys.exit(main())
