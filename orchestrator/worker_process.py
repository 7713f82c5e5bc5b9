"""``gauntlet worker``: worker processes for the scaled deployment.

With ``--processes 1`` the command itself is the worker; with more, it supervises that
many child processes and passes SIGTERM/SIGINT on. On SIGTERM a worker stops taking
messages and hands its running jobs back (QUEUED) within the grace period, so no job is
left RUNNING by a clean shutdown.
"""

from __future__ import annotations

import faulthandler
import signal
import subprocess
import sys
import threading
from types import FrameType

import structlog

from core.settings import Settings
from orchestrator.gc_tuning import tune_for_long_running
from orchestrator.runtime import build_runtime

log = structlog.get_logger(__name__)
# How often the main thread looks at the stop flag. A signal may be delivered to any
# thread, and then a main thread blocked on a lock would not wake for it: it must poll.
SIGNAL_POLL_SECONDS = 0.2
# After the grace period, this much longer for closing connections before the process
# dumps every thread's stack to stderr and exits 1: a shutdown never hangs.
SHUTDOWN_MARGIN_SECONDS = 10.0


def run_worker(settings: Settings, threads: int) -> int:
    """Consume jobs in this process until SIGTERM or SIGINT."""
    from actors.worker import WorkerPool

    runtime = build_runtime(settings)
    pool = WorkerPool(
        settings, runtime.engine, runtime.events, runtime.broker, threads=threads, embedded=False
    )
    received: list[int] = []
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # No I/O here: the handler may interrupt the main thread inside a write.
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tune_for_long_running()
    pool.start()
    while not stop.wait(SIGNAL_POLL_SECONDS):
        pass
    log.info("worker.signal", signal=signal.Signals(received[0]).name)
    grace = settings.worker_shutdown_grace_seconds
    faulthandler.dump_traceback_later(grace + SHUTDOWN_MARGIN_SECONDS, exit=True)
    pool.stop(grace)
    runtime.close()
    faulthandler.cancel_dump_traceback_later()
    return 0


def supervise(processes: int, threads: int) -> int:
    """Start ``processes`` single-process workers and forward termination signals."""
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orchestrator.cli",
                "worker",
                "--processes",
                "1",
                "--threads",
                str(threads),
            ]
        )
        for _ in range(processes)
    ]

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    return max(codes, default=0)
