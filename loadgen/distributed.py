"""Locust's own distributed mode, taught to carry a Gauntlet load test and to admit only
the workers it invited (imports Locust: driver and worker processes only).

A worker starts knowing nothing but a :class:`~loadgen.rendezvous.Ticket`: its master's
address and a one-time join token. The handshake, before Locust's own ``client_ready``:

1. the worker connects and sends ``gauntlet_join`` with its token;
2. the master admits it if the token is one of its unused ones (each admits one worker
   once) and answers with the load test (``gauntlet_config``: suites, variables, the
   target's credentials, the host policy; no thresholds, no Redis URL); any other token
   gets ``gauntlet_refused``, and a worker that never joined is ignored altogether, so it
   is neither counted nor given users nor sent anything;
3. the worker builds its ``SuiteUser`` class from the config, installs the host policy
   guard, and only then sends ``client_ready``: it always has its user class before the
   first ``spawn`` reaches it (ZeroMQ keeps one peer's messages in order).

The link carries the target's credentials in clear: it must stay on a private network
(loopback in local mode; see docs/architecture.md for distributed mode).
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import gevent
import locust.runners
import locust.stats
from gevent.event import Event
from locust import __version__ as locust_version
from locust.env import Environment
from locust.rpc import Message
from locust.runners import MasterRunner, WorkerRunner

from loadgen import guard
from loadgen.config import LoadConfig
from loadgen.rendezvous import Ticket
from loadgen.users import build_user_class
from runner import STORED_SUITE, HostPolicy

CONFIG_MESSAGE = "gauntlet_config"
JOIN_MESSAGE = "gauntlet_join"
REFUSED_MESSAGE = "gauntlet_refused"
DONE_MESSAGE = "gauntlet_done"
# Workers report to the master this often (Locust's default is 3 s), so that the master's
# per-second figures are not lumpy; the cost is one small message per interval.
WORKER_REPORT_INTERVAL_S = 0.5
# A worker whose master stopped answering its heartbeats for this long ends its users
# (Locust's default is 60 s of load with nobody to report to).
MASTER_SILENCE_S = 10
# At the end, how long a master waits for its workers' last figures (Locust sleeps 0.5 s
# and hopes; a worker busy with many users can take longer, and its requests would be lost).
FINAL_REPORT_TIMEOUT_S = 1.5
# How long a leaving worker gives ZeroMQ to deliver its last messages.
FLUSH_LINGER_MS = 1000
# How long a worker waits for its master to answer the join (a ticket whose master is
# gone must not hold a worker for long).
JOIN_TIMEOUT_S = 10.0

log = logging.getLogger("gauntlet.loadgen")


class GauntletMaster(MasterRunner):
    """A ``MasterRunner`` that admits only workers holding one of its join tokens."""

    def __init__(self, environment: Environment, master_bind_host: str, master_bind_port: int):
        self.tokens: set[str] = set()
        self.admitted: set[str] = set()
        self.done: set[str] = set()
        self.payload: dict[str, str] = {}
        super().__init__(environment, master_bind_host, master_bind_port)

    @property
    def port(self) -> int:
        """The port it listens on (the one picked for it when asked for port 0)."""
        return int(self.server.port)

    def invite(self, config: LoadConfig, tokens: list[str]) -> None:
        """Admit one worker per token in ``tokens``, and send each the worker's part of
        ``config`` when it joins."""
        self.payload = {"config": config.for_workers().model_dump_json()}
        self.tokens.update(tokens)

    def handle_message(self, client_id: str, msg: Message) -> None:
        if msg.type == JOIN_MESSAGE:
            self._join(client_id, msg.data)
            return
        if client_id not in self.admitted:
            log.debug("loadgen.master.ignored client=%s type=%s", client_id, msg.type)
            return
        if msg.type == DONE_MESSAGE:
            self.done.add(client_id)
            return
        super().handle_message(client_id, msg)

    def quit(self) -> None:
        """End the test: every worker stops its users and sends its last figures, which
        are counted before this returns (at most ``FINAL_REPORT_TIMEOUT_S``)."""
        self.stop(send_stop_to_client=False)
        expected = {client.id for client in self.clients.all}
        for client_id in expected:
            self.server.send_to_client(Message("quit", None, client_id))
        deadline = time.monotonic() + FINAL_REPORT_TIMEOUT_S
        while not expected <= self.done and time.monotonic() < deadline:
            gevent.sleep(0.02)
        self.greenlet.kill(block=True)

    def _join(self, client_id: str, data: Any) -> None:
        token = data.get("token") if isinstance(data, dict) else None
        if client_id not in self.admitted:
            if not isinstance(token, str) or token not in self.tokens:
                log.warning("loadgen.master.refused client=%s", client_id)
                self.send_message(REFUSED_MESSAGE, {"reason": "unknown join token"}, client_id)
                return
            self.tokens.discard(token)
            self.admitted.add(client_id)
        self.send_message(CONFIG_MESSAGE, self.payload, client_id)


class JoiningWorker(WorkerRunner):
    """A ``WorkerRunner`` that joins with a token and installs the load test the master
    answers with. Handled in ``handle_message`` rather than with ``register_message``:
    the config arrives before the runner's constructor has returned."""

    join_token: str = ""

    def __init__(self, environment: Environment, master_host: str, master_port: int) -> None:
        self.answered = Event()
        self.refusal: str | None = None
        self.config_digest: str | None = None
        super().__init__(environment, master_host, master_port)

    def connect_to_master(self) -> None:
        try:
            if self.config_digest is None:
                join = {"token": self.join_token, "version": locust_version}
                self.client.send(Message(JOIN_MESSAGE, join, self.client_id))
                if not self.answered.wait(JOIN_TIMEOUT_S) or self.refusal is not None:
                    raise ConnectionError(self.refusal or f"no answer within {JOIN_TIMEOUT_S:g} s")
            super().connect_to_master()
        except ConnectionError:
            # Raised from the constructor: nobody else will stop what it started.
            self.greenlet.kill(block=False)
            self.client.close(linger=0)
            raise

    def handle_message(self, msg: Message) -> None:
        if msg.type == CONFIG_MESSAGE:
            self._configure(msg.data["config"])
            self.answered.set()
        elif msg.type == "quit":
            # As Locust's worker does, plus a word that its last figures were sent.
            self.stop()
            self._send_stats()
            self.client.send(Message(DONE_MESSAGE, None, self.client_id))
            self.greenlet.kill(block=True)
        elif msg.type == REFUSED_MESSAGE:
            self.refusal = f"refused by the master: {msg.data.get('reason', '')}"
            self.answered.set()
        else:
            super().handle_message(msg)

    def _configure(self, text: str) -> None:
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest == self.config_digest:
            return
        config = LoadConfig.model_validate_json(text, context=STORED_SUITE)
        guard.install(HostPolicy(tuple(config.allowed_hosts), tuple(config.denied_hosts)))
        self.environment.user_classes[:] = [build_user_class(config)]
        self.environment.host = config.base_url
        self.config_digest = digest
        locust.runners.WORKER_REPORT_INTERVAL = min(
            WORKER_REPORT_INTERVAL_S, config.stats_interval_s / 2
        )
        log.info("loadgen.worker.configured suites=%d", len(config.suites))


def start_master(env: Environment, bind_host: str, port: int) -> GauntletMaster | str:
    """A master listening on ``bind_host:port`` (0: any free port); a string says why not."""
    try:
        return env._create_runner(GauntletMaster, master_bind_host=bind_host, master_bind_port=port)
    except SystemExit:  # Locust exits when the port is taken
        return f"cannot listen for Locust workers on {bind_host}:{port}: the port is taken"
    except Exception as exc:  # a bad bind address: ZeroMQ's own words
        return f"cannot listen for Locust workers on {bind_host}:{port}: {exc}"


class Serving:
    """The worker runner of the master being served right now, for a stop signal."""

    def __init__(self) -> None:
        self.runner: JoiningWorker | None = None
        self.stopping = Event()

    def stop(self) -> None:
        """Leave the current master (telling it first, so it rebalances at once)."""
        self.stopping.set()
        runner = self.runner
        if runner is not None:
            runner.environment.events.quitting.fire(environment=runner.environment, reverse=True)
            runner.quit()


def serve_master(ticket: Ticket, serving: Serving | None = None) -> str | None:
    """Join the master of ``ticket`` and carry the users it assigns until it ends the
    load test (or goes silent for ``MASTER_SILENCE_S``). None when the test was served,
    else why the worker could not join."""
    locust.runners.WORKER_REPORT_INTERVAL = WORKER_REPORT_INTERVAL_S
    locust.runners.MASTER_HEARTBEAT_TIMEOUT = MASTER_SILENCE_S
    # After the join was answered the master is there: Locust's ack comes at once.
    locust.runners.CONNECT_TIMEOUT = 2
    locust.runners.CONNECT_RETRY_COUNT = 2
    env = Environment(user_classes=[], stop_timeout=0)
    # As Environment.create_worker_runner does: workers need no response-time cache.
    env.stats = locust.stats.RequestStats(use_response_times_cache=False)
    runner_class: type[JoiningWorker] = type(
        "JoiningWorker", (JoiningWorker,), {"join_token": ticket.token}
    )
    try:
        runner: JoiningWorker = env._create_runner(
            runner_class, master_host=ticket.host, master_port=ticket.port
        )
    except ConnectionError as exc:
        return str(exc) or "the master did not acknowledge the worker"
    if serving is not None:
        serving.runner = runner
        if serving.stopping.is_set():
            serving.stop()
    log.info("loadgen.worker.joined master=%s:%d", ticket.host, ticket.port)
    try:
        runner.greenlet.join()
    finally:
        if serving is not None:
            serving.runner = None
        # Not linger=0: that drops what is still queued, such as the last figures and
        # the done message sent just before; terminating the context waits until they
        # are out (or FLUSH_LINGER_MS passed), before a forked worker's os._exit.
        runner.client.close(linger=FLUSH_LINGER_MS)
        runner.client.socket.context.term()
    log.info("loadgen.worker.left master=%s:%d", ticket.host, ticket.port)
    return None
