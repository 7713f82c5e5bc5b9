"""A Locust worker for Gauntlet's distributed load tests.

``gauntlet loadgen-worker --master HOST [--master-port N]`` calls :func:`run_worker`; the
same worker runs as ``python -m loadgen.worker --master HOST [--master-port N]``.

Importing this module is safe anywhere (the CLI imports it): the worker itself runs in a
fresh interpreter, because Locust patches the standard library with gevent on import and
patching a process that has already loaded ``ssl`` and friends is unreliable.
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
from types import FrameType

from loadgen.config import DEFAULT_MASTER_PORT

# A worker may be started before its master (a container coming up first): keep trying
# to reach it for this long before giving up.
DEFAULT_CONNECT_TIMEOUT_S = 300.0


def run_worker(
    master_host: str,
    master_port: int = DEFAULT_MASTER_PORT,
    *,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> int:
    """Serve one master: carry the users it assigns until it ends the test.

    Returns the exit status: 0 when the master ended the test or the worker was stopped
    (SIGTERM/SIGINT are passed on), 1 when the master could not be reached within
    ``connect_timeout_s``. Run it again (or let the container restart) for the next test.
    """
    command = [
        sys.executable, "-m", "loadgen.worker",
        "--master", master_host,
        "--master-port", str(master_port),
        "--connect-timeout", str(connect_timeout_s),
    ]  # fmt: skip
    child = subprocess.Popen(command)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """The worker process itself (see :func:`run_worker`)."""
    parser = argparse.ArgumentParser(prog="python -m loadgen.worker")
    parser.add_argument("--master", required=True, help="host or IP of the load driver (master)")
    parser.add_argument("--master-port", type=int, default=DEFAULT_MASTER_PORT)
    parser.add_argument("--connect-timeout", type=float, default=DEFAULT_CONNECT_TIMEOUT_S)
    args = parser.parse_args(argv)

    # Locust first: importing it patches the standard library for gevent.
    import locust  # noqa: F401

    from loadgen.distributed import serve_worker

    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    return serve_worker(args.master, args.master_port, args.connect_timeout)


if __name__ == "__main__":
    sys.exit(main())
