"""What a scrape of ``/metrics`` returns, and who may scrape.

A process's own metrics (``core.metrics``: the default registry, or the files of every
process in multi-process mode) plus, in the API, gauges read from the database at scrape
time: they are the same whichever process is asked, so no process counts them itself.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from actors.heartbeat import ALIVE_WITHIN_S
from core import metrics
from core.errors import AuthenticationRequired
from core.jobs import JobKind, JobStatus
from storage import job_stats, worker_heartbeats
from storage.db import session_scope


class StoreCollector(Collector):
    """Queue depth and running jobs per kind, the oldest queued job's age and the
    workers alive, from the job rows and heartbeats (what ``/ops/status`` shows one
    organization, here for the whole installation)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        now = time.time()
        with session_scope(self.engine) as session:
            counts = job_stats.open_counts(session, None)
            oldest = job_stats.oldest_queued_at(session, None)
            beating = worker_heartbeats.seen_since(session, now - ALIVE_WITHIN_S)
        queued = GaugeMetricFamily("gauntlet_queue_depth", "Jobs QUEUED, by kind.", labels=["kind"])
        running = GaugeMetricFamily(
            "gauntlet_jobs_running", "Jobs RUNNING, by kind.", labels=["kind"]
        )
        for kind in JobKind:
            queued.add_metric([kind.value], counts.get((kind.value, JobStatus.QUEUED), 0))
            running.add_metric([kind.value], counts.get((kind.value, JobStatus.RUNNING), 0))
        yield queued
        yield running
        yield GaugeMetricFamily(
            "gauntlet_oldest_queued_job_age_seconds",
            "How long the oldest QUEUED job has waited (0: none waits).",
            value=0.0 if oldest is None else max(0.0, now - oldest),
        )
        yield GaugeMetricFamily(
            "gauntlet_workers_alive", "Worker processes with a recent heartbeat.", len(beating)
        )
        yield GaugeMetricFamily(
            "gauntlet_worker_threads_alive",
            "Job threads of the workers alive.",
            sum(w.threads for w in beating),
        )


class _Chain(Collector):
    """Several collectors as one (a registry inside another)."""

    def __init__(self, *sources: Collector) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def build_registry(
    *, engine: Engine | None = None, multiproc_dir: Path | None = None
) -> CollectorRegistry:
    """The registry a scrape renders: this process's metrics, or every process's whose
    files are in ``multiproc_dir`` (or PROMETHEUS_MULTIPROC_DIR when this process
    records there), plus the database's gauges when ``engine`` is given."""
    registry = CollectorRegistry(auto_describe=False)
    if multiproc_dir is not None:
        MultiProcessCollector(registry, path=str(multiproc_dir))
    elif metrics.MULTIPROCESS:
        MultiProcessCollector(registry)
    else:
        registry.register(_Chain(REGISTRY))
    if engine is not None:
        registry.register(StoreCollector(engine))
    return registry


class Exposition:
    """Renders ``registry`` for clients that :meth:`admit` lets in."""

    def __init__(self, registry: CollectorRegistry, token: SecretStr | None) -> None:
        self.registry = registry
        self.token = token

    def admit(self, client_host: str | None, authorization: str | None) -> None:
        """Without a token only loopback clients scrape; with one, only its bearers.
        Raises ``AuthenticationRequired``."""
        if self.token is None:
            if not _is_loopback(client_host):
                raise AuthenticationRequired(
                    "/metrics answers loopback clients only; set GAUNTLET_METRICS_TOKEN "
                    "to scrape it from elsewhere"
                )
            return
        scheme, _, given = (authorization or "").strip().partition(" ")
        expected = self.token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise AuthenticationRequired(
                "/metrics needs Authorization: Bearer <GAUNTLET_METRICS_TOKEN>"
            )

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition (Prometheus text, or OpenMetrics when asked) and its type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
