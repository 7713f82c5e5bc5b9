"""What a worker process (or the embedded worker threads) shares between jobs."""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from core.settings import Settings
from runner import HostPolicy, TargetClient, denied_hosts
from storage.events import EventStore


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class WorkerContext:
    settings: Settings
    engine: Engine
    events: EventStore
    worker_id: str = field(default_factory=new_worker_id)
    # Set when the process is shutting down: running jobs are handed back, not stopped.
    shutting_down: threading.Event = field(default_factory=threading.Event)
    # Sends a job's message again (job_id, kind); set where other workers may take it.
    redispatch: Callable[[str, str], None] | None = None
    # Sends a job's message again after a delay (job_id, kind, delay_s, time_limit_s),
    # for a job whose organization has no room for it yet (actors.admission).
    send_later: Callable[[str, str, float, float | None], None] | None = None
    # The thread keeping this worker's job leases (actors.lease), made on first use.
    lease_watcher: Any = field(default=None, repr=False, compare=False)

    def host_policy(self) -> HostPolicy:
        s = self.settings
        return HostPolicy(
            allowed=tuple(s.allowed_target_hosts),
            denied=denied_hosts(
                s.denied_target_hosts, replace=s.replace_default_denied_target_hosts
            ),
        )

    def target_client(self, auth: dict[str, object] | None, *, base_url: str) -> TargetClient:
        """A client for untrusted targets, configured from the settings; the app's
        credentials go only to ``base_url``'s origin."""
        s = self.settings
        return TargetClient(
            auth=auth,
            auth_origin=base_url,
            policy=self.host_policy(),
            connect_timeout=s.target_connect_timeout_seconds,
            read_timeout=s.target_read_timeout_seconds,
            max_response_bytes=s.target_max_response_bytes,
            max_redirects=s.target_max_redirects,
        )
