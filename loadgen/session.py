"""One load test inside the driver process: Locust as a library, a local runner or a
master of local or remote workers (:mod:`loadgen.team`), stats lines each interval and the
report at the end (imports Locust: the driver process only; see :mod:`loadgen.driver` for
the entry point and exit codes).
"""

from __future__ import annotations

import signal
from typing import TextIO

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.runners import STATE_STOPPED, MasterRunner, Runner
from pydantic import BaseModel

from loadgen import guard
from loadgen.config import ErrorLine, LoadConfig, ReportLine
from loadgen.distributed import start_master
from loadgen.sampler import Sampler
from loadgen.shapes import shape_for
from loadgen.steps import host_of
from loadgen.team import LOCAL_EXIT_GRACE_S, LOOPBACK, Crew, Team
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


def _start_runner(
    config: LoadConfig, env: Environment, stop: Event, crew: Crew | None
) -> tuple[Runner, Team | None] | str:
    """A local runner, or a master with its workers joined; a string says why not."""
    if not config.distributed:
        return env.create_local_runner(), None
    remote = config.remote
    master = start_master(
        env, remote.bind_host if remote else LOOPBACK, remote.port if remote else 0
    )
    if isinstance(master, str):
        return master
    team = Team(config, master, crew)
    problem = team.invite() or team.await_workers(stop)
    if problem is not None:
        master.quit()
        team.close()
        return problem
    return master, team


def run(
    config: LoadConfig, emit: LineWriter, *, stopped: bool = False, crew: Crew | None = None
) -> int:
    """Run the load test of ``config``, writing its lines with ``emit``; the exit status.

    SIGTERM and SIGINT end the load at once and the report still comes; ``stopped`` says
    one already arrived (before these handlers were in place). ``crew``: the local workers
    of a distributed test, forked beforehand (see :meth:`loadgen.team.Crew.fork`).
    """
    try:
        return _run(config, emit, stopped, crew)
    finally:
        if crew is not None:
            crew.reap(LOCAL_EXIT_GRACE_S)


def _run(config: LoadConfig, emit: LineWriter, stopped: bool, crew: Crew | None) -> int:
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop.set)
    if stopped:
        stop.set()
    masker = Masker(secrets=secrets_of(config.auth))
    policy = HostPolicy(tuple(config.allowed_hosts), tuple(config.denied_hosts))
    gate = HostGate(policy)
    if refusal := gate.refusal(host_of(config.base_url)):
        emit(ErrorLine(message=masker.text(refusal)))
        return EXIT_BAD_INPUT
    guard.install(policy)

    env = Environment(
        user_classes=[build_user_class(config)],
        shape_class=shape_for(config),
        host=config.base_url,
        stop_timeout=0,  # a stop ends requests in flight: SIGTERM must act within seconds
    )
    started = _start_runner(config, env, stop, crew)
    if isinstance(started, str):
        emit(ErrorLine(message=masker.text(started)))
        return EXIT_CANNOT_RUN
    runner, team = started
    try:
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
            if team is not None and _workers(runner) == 0:
                sampler.note("every Locust worker left before the end of the test")
                break

        users, workers = runner.user_count, _workers(runner)
        sampler.end()
        runner.quit()
        emit(ReportLine(report=sampler.report(users, workers, stopped_early=stop.is_set())))
    finally:
        if team is not None:
            team.close()
    return 0
