"""Bringing a distributed load test's workers to its master (runs in the driver process,
under gevent: its socket calls are cooperative).

- Local: the driver forks its workers (:class:`Crew`) right after it has read its config
  and imported Locust, before any runner or ZeroMQ socket exists (as ``locust
  --processes`` does: a fork costs milliseconds, a fresh interpreter seconds). Each gets
  its ticket through a pipe of its own once the master listens; they die with the driver.
- Remote: the driver posts tickets in Redis for idle ``gauntlet loadgen-worker``
  processes (:mod:`loadgen.rendezvous`) and takes back those nobody took.

Either way the master admits exactly one worker per ticket (:mod:`loadgen.distributed`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import time

import gevent
from gevent.event import Event

from loadgen.config import LoadConfig, Rendezvous
from loadgen.distributed import GauntletMaster, serve_master
from loadgen.rendezvous import Ticket, TicketBoard, issue

LOOPBACK = "127.0.0.1"
_WILDCARDS = {"0.0.0.0", "::", "*", ""}
# Tickets outlive the master's own wait a little, so a worker never drops a live one.
TICKET_SLACK_S = 5.0
# After the master said quit, local workers get this long to leave before SIGKILL.
LOCAL_EXIT_GRACE_S = 3.0
EXIT_SERVED, EXIT_CANNOT_JOIN = 0, 1

log = logging.getLogger("gauntlet.loadgen")


class Crew:
    """Local worker processes forked from the driver, each waiting on a pipe for its
    ticket. :meth:`fork` returns in the driver only; a child serves and exits."""

    def __init__(self) -> None:
        self.pids: list[int] = []
        self._pipes: list[int] = []
        self.statuses: dict[int, int] = {}

    @classmethod
    def fork(cls, count: int) -> Crew:
        """``count`` workers. Call it before any runner, socket or thread exists."""
        crew = cls()
        parent = os.getpid()
        gc.collect()
        gc.freeze()  # as Locust does: children share the parent's objects copy-on-write
        for _ in range(count):
            read_end, write_end = os.pipe()
            pid = gevent.fork()
            if pid == 0:
                os.close(write_end)
                for other in crew._pipes:
                    os.close(other)
                os._exit(_child(read_end, parent))
            os.close(read_end)
            crew.pids.append(pid)
            crew._pipes.append(write_end)
        gc.unfreeze()
        return crew

    def send(self, tickets: list[Ticket]) -> None:
        """One ticket to each worker (a worker whose pipe closes without one exits)."""
        for fd, ticket in zip(self._pipes, tickets, strict=True):
            with contextlib.suppress(OSError):  # that worker died; exited() says so
                os.write(fd, ticket.model_dump_json().encode())
        self.hang_up()

    def hang_up(self) -> None:
        for fd in self._pipes:
            os.close(fd)
        self._pipes = []

    def exited(self) -> dict[int, int]:
        """The workers that exited so far, pid → exit status."""
        for pid in self.pids:
            if pid not in self.statuses:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    self.statuses[pid] = os.waitstatus_to_exitcode(status)
        return self.statuses

    def reap(self, grace_s: float) -> None:
        """Wait ``grace_s`` for the workers to leave, then kill those still there."""
        self.hang_up()
        deadline = time.monotonic() + grace_s
        while len(self.exited()) < len(self.pids) and time.monotonic() < deadline:
            gevent.sleep(0.05)
        for pid in self.pids:
            if pid not in self.statuses:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                self.statuses[pid] = -signal.SIGKILL


def _child(read_end: int, parent: int) -> int:
    """A forked local worker: its ticket from the pipe, then that master's users."""
    from loadgen.lifeline import die_with_parent

    die_with_parent(parent)
    # stdout is the driver's protocol: a worker must never write there.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the process's lifetime)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    if not chunks:
        return EXIT_SERVED  # the driver gave up before its master listened
    ticket = Ticket.model_validate_json(b"".join(chunks))
    refusal = serve_master(ticket)
    if refusal is not None:
        log.error(
            "loadgen.worker.cannot_join master=%s:%d why=%s", ticket.host, ticket.port, refusal
        )
        return EXIT_CANNOT_JOIN
    return EXIT_SERVED


def advertised_host(rendezvous: Rendezvous) -> str:
    """The address remote workers dial: the configured one, the bind address, or (bound
    to a wildcard) this machine's own address, as its host name resolves (a container's
    or a pod's IP on its network)."""
    if rendezvous.advertise_host:
        return rendezvous.advertise_host
    if rendezvous.bind_host not in _WILDCARDS:
        return rendezvous.bind_host
    return socket.gethostbyname(socket.gethostname())


class Team:
    """The workers of one load test: started or invited, awaited, sent home."""

    def __init__(self, config: LoadConfig, master: GauntletMaster, crew: Crew | None) -> None:
        self.config = config
        self.master = master
        self.crew = crew
        self.wanted = config.workers
        self.address = f"{LOOPBACK}:{master.port}"
        self.board: TicketBoard | None = None
        self.posted: list[str] = []

    def invite(self) -> str | None:
        """Start the local workers, or post tickets for remote ones; a string says why
        the test cannot have workers at all."""
        remote = self.config.remote
        valid_s = self.config.workers_timeout_s + TICKET_SLACK_S
        if remote is None:
            assert self.crew is not None, "local workers are forked before the master"
            self.wanted = len(self.crew.pids)
            tickets = issue(LOOPBACK, self.master.port, self.wanted, valid_s)
            self.master.invite(self.config, [t.token for t in tickets])
            self.crew.send(tickets)
            return None
        host = advertised_host(remote)
        self.address = f"{host}:{self.master.port}"
        self.board = TicketBoard(remote.redis_url, remote.namespace)
        if not self.wanted:
            # Every idle one, but a worker without a user would only cost a process.
            self.wanted = min(self.board.idle_count(), self.config.virtual_users)
            if not self.wanted:
                return (
                    "no loadgen worker is waiting for load tests: start `gauntlet "
                    "loadgen-worker` processes with the same GAUNTLET_REDIS_URL and "
                    "GAUNTLET_REDIS_NAMESPACE (distributed mode)"
                )
        tickets = issue(host, self.master.port, self.wanted, valid_s, remote.label)
        self.master.invite(self.config, [t.token for t in tickets])
        self.posted = self.board.post(tickets)
        return None

    def await_workers(self, stop: Event) -> str | None:
        """Wait until every invited worker joined; a string says why not (timeout, local
        workers that died). Returns None at once when ``stop`` is set."""
        deadline = time.monotonic() + self.config.workers_timeout_s
        while self.master.worker_count < self.wanted:
            if stop.wait(0.05):
                return None
            if self.crew is not None and (failed := list(self.crew.exited().values())):
                return (
                    f"{len(failed)} of {self.wanted} local Locust workers exited before "
                    f"joining (exit status {', '.join(str(c) for c in failed)}); "
                    "their stderr says why"
                )
            if time.monotonic() >= deadline:
                return self._timeout_message()
        self._withdraw()
        return None

    def close(self) -> None:
        """Take back tickets nobody took, and see the local workers out."""
        try:
            self._withdraw()
        finally:
            if self.board is not None:
                self.board.close()
            if self.crew is not None:
                self.crew.reap(LOCAL_EXIT_GRACE_S)

    def _withdraw(self) -> None:
        if self.board is not None and self.posted:
            posted, self.posted = self.posted, []
            self.board.withdraw(posted)

    def _timeout_message(self) -> str:
        joined = self.master.worker_count
        kind = "local Locust workers" if self.config.remote is None else "loadgen workers"
        message = (
            f"only {joined} of {self.wanted} {kind} joined the master at {self.address} "
            f"within {self.config.workers_timeout_s:g} s"
        )
        if self.config.remote is not None:
            message += (
                "; check that `gauntlet loadgen-worker` processes run with this Redis and "
                "can reach that address (GAUNTLET_LOAD_MASTER_ADVERTISE_HOST)"
            )
        return message
