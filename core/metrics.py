"""Every Prometheus metric a Gauntlet process records, defined once (docs/metrics.md lists
them). Callers record with one line (``metrics.JOBS_SUBMITTED.labels(kind).inc()``);
``orchestrator.metrics`` exposes them at ``/metrics``.

Multi-process mode: when ``PROMETHEUS_MULTIPROC_DIR`` is set before this module is
imported (``gauntlet worker --processes N`` sets it for its children), prometheus-client
keeps each value in a per-process file of that directory and a scrape sums the files.
Gauges therefore declare how processes combine (``multiprocess_mode``).

Gauges read from the database at scrape time (queue depth, running jobs) are not here:
they are the same whichever process is asked, so only the API computes them
(``orchestrator.metrics.scrape``).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.values import ValueClass

# True when values live in PROMETHEUS_MULTIPROC_DIR (decided by prometheus-client at import).
MULTIPROCESS: bool = bool(getattr(ValueClass, "_multiprocess", False))

# Jobs last from a fraction of a second (a validation) to hours (a load test, a big run).
JOB_DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600)
# A target's answer: from a loopback millisecond to the 30 s read timeout.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# One append of a batch of events: a SQLite or Redis round trip.
APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)

JOBS_SUBMITTED = Counter("gauntlet_jobs_submitted", "Jobs submitted (queued), by kind.", ["kind"])
JOBS_FINISHED = Counter(
    "gauntlet_jobs_finished",
    "Jobs that reached a terminal status, by kind and status.",
    ["kind", "status"],
)
JOB_DURATION = Histogram(
    "gauntlet_job_duration_seconds",
    "Time from a job's start on a worker to its end, by kind.",
    ["kind"],
    buckets=JOB_DURATION_BUCKETS,
)
STEPS_EXECUTED = Counter("gauntlet_steps_executed", "Suite steps executed (runs, validations).")
STEPS_FAILED = Counter("gauntlet_steps_failed", "Suite steps that failed or erred.")
TARGET_REQUEST_DURATION = Histogram(
    "gauntlet_target_request_duration_seconds",
    "Duration of a suite step's request to the target under test.",
    buckets=REQUEST_BUCKETS,
)
LOAD_TEST_RPS = Gauge(
    "gauntlet_load_test_rps",
    "Requests per second of the running load tests, from each one's last stats report.",
    multiprocess_mode="livesum",
)
EVENT_APPEND_DURATION = Histogram(
    "gauntlet_event_append_duration_seconds",
    "Time to append one batch of job events to the event store.",
    buckets=APPEND_BUCKETS,
)
EVENT_APPEND_FAILURES = Counter(
    "gauntlet_event_append_failures",
    "Batches of job events the event store refused (a worker's batch is then dropped).",
)
RATE_LIMIT_REFUSALS = Counter(
    "gauntlet_rate_limit_refusals",
    "Requests refused by the rate limiter, by caller (key or anonymous).",
    ["caller"],
)
HTTP_REQUESTS = Counter(
    "gauntlet_http_requests",
    "API requests by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "gauntlet_http_request_duration_seconds",
    "API request duration (to the end of the response) by method and route template.",
    ["method", "route"],
    buckets=REQUEST_BUCKETS,
)
