"""One load test inside the driver process: Locust as a library, a local runner or a
master of workers, stats lines each interval and the report at the end (imports Locust:
the driver process only; see :mod:`loadgen.driver` for the entry point and exit codes).
"""

from __future__ import annotations

import signal
from typing import TextIO

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.runners import STATE_STOPPED, MasterRunner, Runner
from pydantic import BaseModel

from loadgen.config import ErrorLine, LoadConfig, ReportLine
from loadgen.distributed import push_config, wait_for_workers
from loadgen.sampler import Sampler
from loadgen.shapes import shape_for
from loadgen.steps import host_of
from loadgen.users import HostGate, build_user_class
from runner import HostPolicy, Masker, secrets_of

EXIT_BAD_INPUT = 2
EXIT_CANNOT_RUN = 3


class LineWriter:
    """Writes protocol lines to ``stream``, one JSON object per line, flushed at once."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, line: BaseModel) -> None:
        self.stream.write(line.model_dump_json() + "\n")
        self.stream.flush()


def _workers(runner: Runner) -> int:
    return runner.worker_count if isinstance(runner, MasterRunner) else 0


def _start_runner(config: LoadConfig, env: Environment, stop: Event) -> Runner | str:
    """A local runner, or a master with its workers connected; a string says why not."""
    if not config.expect_workers:
        return env.create_local_runner()
    try:
        master = env.create_master_runner(config.master_bind_host, config.master_port)
    except SystemExit:  # Locust exits when the port is taken
        return f"cannot listen for workers on {config.master_bind_host}:{config.master_port}"
    push_config(master, config)
    connected = wait_for_workers(master, config.expect_workers, config.workers_timeout_s, stop)
    if connected < config.expect_workers and not stop.is_set():
        master.quit()
        address = f"{config.master_bind_host}:{config.master_port}"
        return (
            f"only {connected} of {config.expect_workers} Locust workers connected to {address} "
            f"within {config.workers_timeout_s:g} s; start them with: "
            f"gauntlet loadgen-worker --master HOST --master-port {config.master_port}"
        )
    return master


def run(config: LoadConfig, emit: LineWriter, *, stopped: bool = False) -> int:
    """Run the load test of ``config``, writing its lines with ``emit``; the exit status.

    SIGTERM and SIGINT end the load at once and the report still comes; ``stopped`` says
    one already arrived (before these handlers were in place).
    """
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop.set)
    if stopped:
        stop.set()
    masker = Masker(secrets=secrets_of(config.auth))
    gate = HostGate(HostPolicy(tuple(config.allowed_hosts), tuple(config.denied_hosts)))
    if refusal := gate.refusal(host_of(config.base_url)):
        emit(ErrorLine(message=masker.text(refusal)))
        return EXIT_BAD_INPUT

    env = Environment(
        user_classes=[build_user_class(config)],
        shape_class=shape_for(config),
        host=config.base_url,
        stop_timeout=0,  # a stop ends requests in flight: SIGTERM must act within seconds
    )
    runner = _start_runner(config, env, stop)
    if isinstance(runner, str):
        emit(ErrorLine(message=runner))
        return EXIT_CANNOT_RUN

    sampler = Sampler(config, lambda: env.stats, masker)
    sampler.start()
    if not stop.is_set():
        runner.start_shape()
    interval = config.stats_interval_s
    next_tick = interval
    while not stop.wait(max(0.0, next_tick - sampler.elapsed())):
        emit(sampler.tick(runner.user_count, _workers(runner)))
        next_tick += interval
        shape_done = runner.state == STATE_STOPPED and runner.shape_greenlet is None
        if sampler.elapsed() >= config.duration_secs or shape_done:
            break

    users, workers = runner.user_count, _workers(runner)
    sampler.end()
    runner.quit()
    emit(ReportLine(report=sampler.report(users, workers, stopped_early=stop.is_set())))
    return 0
