"""``gauntlet worker``: worker processes for the scaled deployment.

With ``--processes 1`` the command itself is the worker; with more, it supervises that
many child processes and passes SIGTERM/SIGINT on. The default is one process per core
(``cores``): a worker process is bound by the GIL (the ORM, the driver, the runner), so
one per core is what the machine can run at once. On SIGTERM a worker stops taking
messages and hands its running jobs back (QUEUED) within the grace period, so no job is
left RUNNING by a clean shutdown.
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType

import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import mark_process_dead

from core.settings import Settings
from orchestrator.gc_tuning import tune_for_long_running
from orchestrator.metrics.scrape import build_registry
from orchestrator.metrics.server import MetricsServer
from orchestrator.runtime import build_runtime

log = structlog.get_logger(__name__)
# How often the main thread looks at the stop flag. A signal may be delivered to any
# thread, and then a main thread blocked on a lock would not wake for it: it must poll.
SIGNAL_POLL_SECONDS = 0.2
# After the grace period, this much longer for closing connections before the process
# dumps every thread's stack to stderr and exits 1: a shutdown never hangs.
SHUTDOWN_MARGIN_SECONDS = 10.0


def cores() -> int:
    """The cores this process may run on (its CPU affinity, where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run_worker(settings: Settings, threads: int, *, metrics_port: int | None = None) -> int:
    """Consume jobs in this process until SIGTERM or SIGINT; serve its /metrics on
    ``metrics_port`` if given."""
    from actors.worker import WorkerPool

    runtime = build_runtime(settings)
    server = _metrics_server(settings, metrics_port, build_registry())
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
    if server is not None:
        server.stop()
    runtime.close()
    faulthandler.cancel_dump_traceback_later()
    return 0


def supervise(
    processes: int, threads: int, *, settings: Settings, metrics_port: int | None = None
) -> int:
    """Start ``processes`` single-process workers and forward termination signals. With
    ``metrics_port``, the children record their metrics in files of a directory of their
    own (prometheus-client's multi-process mode) and this process serves the sum."""
    multiproc_dir = (
        Path(tempfile.mkdtemp(prefix="gauntlet-metrics-")) if metrics_port is not None else None
    )
    # First, so that a port in use stops the command before any child starts.
    server = None
    if multiproc_dir is not None:
        try:
            registry = build_registry(multiproc_dir=multiproc_dir)
            server = _metrics_server(settings, metrics_port, registry)
        except BaseException:
            shutil.rmtree(multiproc_dir, ignore_errors=True)
            raise
    # The children's environment: this one (their settings), minus the port this
    # process serves, plus the metrics directory, which prometheus-client reads from the
    # environment when it is imported.
    env = {k: v for k, v in os.environ.items() if k != "GAUNTLET_WORKER_METRICS_PORT"}
    if multiproc_dir is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc_dir)
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
            ],
            env=env,
        )
        for _ in range(processes)
    ]

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        codes = _wait_all(children, multiproc_dir)
    finally:
        if server is not None:
            server.stop()
        if multiproc_dir is not None:
            shutil.rmtree(multiproc_dir, ignore_errors=True)
    return max(codes, default=0)


def _wait_all(children: list[subprocess.Popen[bytes]], multiproc_dir: Path | None) -> list[int]:
    """Wait for every child; a child that exits stops counting in the live gauges (its
    counters and histograms stay in the sums)."""
    codes: dict[int, int] = {}
    while len(codes) < len(children):
        for child in children:
            code = child.poll()
            if code is not None and child.pid not in codes:
                codes[child.pid] = code
                if multiproc_dir is not None:
                    mark_process_dead(child.pid, str(multiproc_dir))
        time.sleep(SIGNAL_POLL_SECONDS)
    return list(codes.values())


def _metrics_server(
    settings: Settings, port: int | None, registry: CollectorRegistry
) -> MetricsServer | None:
    if port is None:
        return None
    server = MetricsServer(settings, registry, host=settings.worker_metrics_host, port=port)
    try:
        server.start()
    except OSError as exc:
        log.error("worker.metrics_unavailable", port=port, error=str(exc))
        raise SystemExit(2) from None
    log.info("worker.metrics_serving", host=settings.worker_metrics_host, port=port)
    return server
