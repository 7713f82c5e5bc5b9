"""Locust's own distributed mode, taught to carry a Gauntlet load test (imports Locust:
driver and worker processes only).

A worker starts knowing nothing but its master's address; the user class is built from
the suites, so the master sends the load test's config to every worker the moment it
connects. The push happens inside Locust's handling of the worker's ``client_ready``,
before that worker is even counted, and ZeroMQ keeps one peer's messages in order, so a
worker always has its ``SuiteUser`` class before the first ``spawn`` reaches it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import signal
import time
from typing import Any

import gevent
import locust.runners
import locust.stats
from gevent.event import Event
from locust.env import Environment
from locust.rpc import Message
from locust.runners import MasterRunner, WorkerRunner

from loadgen.config import LoadConfig
from loadgen.users import build_user_class

CONFIG_MESSAGE = "gauntlet_config"
# Workers report to the master this often (Locust's default is 3 s), so that the master's
# per-second figures are not lumpy; the cost is one small message per interval.
WORKER_REPORT_INTERVAL_S = 0.5

log = logging.getLogger("gauntlet.loadgen")


def push_config(runner: MasterRunner, config: LoadConfig) -> None:
    """Send ``config`` to every worker as it connects (and again if it reconnects)."""
    payload = {"config": config.model_dump_json()}

    def on_worker_connect(client_id: str, **_: Any) -> None:
        runner.send_message(CONFIG_MESSAGE, payload, client_id=client_id)

    runner.environment.events.worker_connect.add_listener(on_worker_connect)


def wait_for_workers(runner: MasterRunner, expected: int, timeout_s: float, stop: Event) -> int:
    """Wait until ``expected`` workers are connected, the timeout passes or ``stop`` is
    set; returns how many are connected."""
    deadline = time.monotonic() + timeout_s
    while runner.worker_count < expected and time.monotonic() < deadline:
        if stop.wait(0.1):
            break
    return runner.worker_count


class ConfiguredWorkerRunner(WorkerRunner):
    """A ``WorkerRunner`` that installs the user class from the master's config message.

    Handled here rather than with ``register_message``: a listener registered after the
    runner is built could miss the config, which arrives right behind the connection ack.
    """

    config_digest: str | None = None

    def handle_message(self, msg: Message) -> None:
        if msg.type != CONFIG_MESSAGE:
            super().handle_message(msg)
            return
        text: str = msg.data["config"]
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest == self.config_digest:
            return
        config = LoadConfig.model_validate_json(text)
        self.environment.user_classes[:] = [build_user_class(config)]
        self.environment.host = config.base_url
        self.config_digest = digest
        locust.runners.WORKER_REPORT_INTERVAL = min(
            WORKER_REPORT_INTERVAL_S, config.stats_interval_s / 2
        )
        log.info("loadgen.worker.configured suites=%d", len(config.suites))


def serve_worker(master_host: str, master_port: int, connect_timeout_s: float) -> int:
    """Carry users for one master until it quits (0), or until a stop signal (0);
    1 when the master cannot be reached within ``connect_timeout_s``."""
    locust.runners.WORKER_REPORT_INTERVAL = WORKER_REPORT_INTERVAL_S
    # Locust waits CONNECT_TIMEOUT for each attempt and gives up after CONNECT_RETRY_COUNT
    # retries: split our budget into attempts of at most its default length.
    wait = min(float(locust.runners.CONNECT_TIMEOUT), connect_timeout_s)
    locust.runners.CONNECT_TIMEOUT = wait  # type: ignore[assignment]
    locust.runners.CONNECT_RETRY_COUNT = max(0, math.ceil(connect_timeout_s / wait) - 1)
    env = Environment(user_classes=[], stop_timeout=0)
    # As Environment.create_worker_runner does: workers need no response-time cache.
    env.stats = locust.stats.RequestStats(use_response_times_cache=False)
    try:
        runner = env._create_runner(
            ConfiguredWorkerRunner, master_host=master_host, master_port=master_port
        )
    except ConnectionError:
        log.error("loadgen.worker.unreachable master=%s:%d", master_host, master_port)
        return 1

    def on_signal() -> None:
        # Tell the master first, so it rebalances instead of waiting for a heartbeat.
        env.events.quitting.fire(environment=env, reverse=True)
        runner.quit()

    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, on_signal)
    log.info("loadgen.worker.connected master=%s:%d", master_host, master_port)
    runner.greenlet.join()
    return 0
