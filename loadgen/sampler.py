"""Reads Locust's live statistics each interval: stats lines while the load runs, the
timeline, and the final report at the end.

Duck-typed on Locust's ``RequestStats``/``StatsEntry``/``StatsError`` (no Locust import),
so it works the same on a local runner and on a master, whose statistics Locust fills
from its workers' reports.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable
from typing import Any

from loadgen.config import LoadConfig
from loadgen.protocol import ErrorEntry, LoadReport, SkippedEntry, StatsLine, TimePoint
from loadgen.report import (
    Sample,
    endpoint_stats,
    evaluate_thresholds,
    time_point,
    verdict_reasons,
)
from loadgen.steps import SKIP_PREFIX
from runner import Masker

# The report lists the most frequent errors; the rest are counted in the totals anyway.
MAX_ERRORS = 50
TOTAL_METHOD, TOTAL_NAME = "ALL", "*"
_CATCH = "CatchResponseError("
# Locust's own verdict on a bad status (steps with nothing else to judge): "HTTP 500" too.
_BAD_STATUS = re.compile(r"^LocustBadStatusCode\(code=(\d+)\)$")


def sample_of(entry: Any, method: str | None = None, name: str | None = None) -> Sample:
    """A copy of a Locust ``StatsEntry`` (its histogram included)."""
    return Sample(
        method=method if method is not None else entry.method,
        name=name if name is not None else entry.name,
        requests=entry.num_requests,
        failures=entry.num_failures,
        total_ms=float(entry.total_response_time),
        min_ms=entry.min_response_time,
        max_ms=float(entry.max_response_time),
        total_bytes=int(entry.total_content_length),
        hist=dict(entry.response_times),
    )


def error_text(error: Any) -> str:
    """The message of a Locust error entry: the text given to ``response.failure()``,
    whether the entry holds the exception (local) or its repr (sent by a worker)."""
    if not isinstance(error, str) and type(error).__name__ == "CatchResponseError":
        return str(error.args[0]) if error.args else repr(error)
    text = error if isinstance(error, str) else repr(error)
    if bad := _BAD_STATUS.match(text):
        return f"HTTP {bad.group(1)}"
    if text.startswith(_CATCH) and text.endswith(")"):
        inner = text[len(_CATCH) : -1]
        try:
            value = ast.literal_eval(inner)
        except (ValueError, SyntaxError):
            return inner
        return value if isinstance(value, str) else inner
    return text


class Sampler:
    """Figures of one load test, sampled from ``stats()`` (Locust's ``env.stats``, read
    fresh each time because a runner replaces its entries when a test starts)."""

    def __init__(self, config: LoadConfig, stats: Callable[[], Any], masker: Masker) -> None:
        self.config = config
        self.stats = stats
        self.masker = masker
        self.timeline: list[TimePoint] = []
        self.started = time.perf_counter()
        self.started_wall = time.time()
        self.ended: float | None = None
        self._last_t = self._before_last_t = 0.0
        self._last: Sample | None = None
        self._before_last: Sample | None = None
        self.notes: list[str] = []

    def start(self) -> None:
        """Mark the start of the load (``t`` = 0)."""
        self.started = time.perf_counter()
        self.started_wall = time.time()
        self._last_t, self._last = 0.0, None

    def note(self, reason: str) -> None:
        """A reason for the test to fail that the figures do not show (e.g. every worker
        left); it goes into the report's ``reasons``."""
        self.notes.append(reason)

    def end(self) -> None:
        """Mark the end of the load. Figures that arrive later (the workers' last reports)
        still count, but the rates are per second of load, not of shutdown."""
        self.ended = self.elapsed()

    def elapsed(self) -> float:
        """Seconds since :meth:`start`, or until :meth:`end` once it was called."""
        if self.ended is not None:
            return self.ended
        return time.perf_counter() - self.started

    def totals(self) -> Sample:
        return sample_of(self.stats().total, TOTAL_METHOD, TOTAL_NAME)

    def tick(self, users: int, workers: int = 0) -> StatsLine:
        """The stats line for the interval that ends now; also adds a timeline point."""
        t = self.elapsed()
        totals = self.totals()
        interval = totals.minus(self._last)
        dt = max(t - self._last_t, 1e-6)
        point = time_point(t, users, interval, dt)
        self.timeline.append(point)
        self._before_last_t, self._before_last = self._last_t, self._last
        self._last_t, self._last = t, totals
        figures = endpoint_stats(totals, t)
        return StatsLine(
            t=point.t,
            users=users,
            workers=workers,
            requests=totals.requests,
            failures=totals.failures,
            error_rate=figures.error_rate,
            rps=figures.rps,
            current_rps=point.rps,
            current_failures=interval.failures,
            current_avg_ms=point.avg_ms,
            current_p50_ms=point.p50_ms,
            current_p95_ms=point.p95_ms,
            current_p99_ms=point.p99_ms,
            **figures.model_dump(include=set(_LATENCY_FIELDS)),
        )

    def report(self, users: int, workers: int, stopped_early: bool) -> LoadReport:
        """The final report from everything Locust counted so far (call :meth:`end` when
        the load stops; otherwise it ends now)."""
        if self.ended is None:
            self.end()
        t = self.elapsed()
        self._close_timeline(t, users, workers)
        stats = self.stats()
        totals = endpoint_stats(self.totals(), t)
        endpoints = sorted(
            (endpoint_stats(sample_of(e), t) for e in stats.entries.values() if e.num_requests),
            key=lambda e: (e.name, e.method),
        )
        errors, skipped = self._errors(stats.errors.values())
        verdicts = evaluate_thresholds(self.config.thresholds, totals, endpoints)
        reasons = verdict_reasons(
            totals,
            verdicts,
            self.config.max_error_rate,
            stopped_early=stopped_early,
            top_error=errors[0].message if errors else None,
            notes=self.notes,
        )
        return LoadReport(
            profile=self.config.profile,
            virtual_users=self.config.virtual_users,
            duration_secs=self.config.duration_secs,
            workers=workers,
            started_at=self.started_wall,
            finished_at=self.started_wall + t,
            elapsed_s=round(t, 3),
            stopped_early=stopped_early,
            totals=totals,
            endpoints=endpoints,
            timeline=self.timeline,
            errors=errors,
            skipped=skipped,
            thresholds=verdicts,
            thresholds_passed=all(v.passed for v in verdicts),
            max_error_rate=self.config.max_error_rate,
            passed=not reasons,
            reasons=reasons,
        )

    def _close_timeline(self, t: float, users: int, workers: int) -> None:
        # Requests counted after the last tick (the last partial second, a worker's final
        # report) belong in the timeline too: in a point of their own, or, when the load
        # ended right at a tick, in that tick's point.
        totals = self.totals()
        if self._last is not None and totals.requests == self._last.requests:
            return
        if t - self._last_t > 0.05 or not self.timeline:
            self.tick(users, workers)
            return
        dt = max(self._last_t - self._before_last_t, 1e-6)
        previous = self.timeline[-1]
        self.timeline[-1] = time_point(
            previous.t, previous.users, totals.minus(self._before_last), dt
        )
        self._last = totals

    def _errors(self, entries: Any) -> tuple[list[ErrorEntry], list[SkippedEntry]]:
        failures: dict[tuple[str, str, str], int] = {}
        skips: dict[tuple[str, str, str], int] = {}
        for entry in entries:
            text = self.masker.text(error_text(entry.error))
            if text.startswith(SKIP_PREFIX):
                key = (entry.method, entry.name, text[len(SKIP_PREFIX) :])
                skips[key] = skips.get(key, 0) + entry.occurrences
            else:
                key = (entry.method, entry.name, text)
                failures[key] = failures.get(key, 0) + entry.occurrences
        errors = [
            ErrorEntry(method=m, name=n, message=msg, occurrences=c)
            for (m, n, msg), c in sorted(failures.items(), key=lambda kv: -kv[1])[:MAX_ERRORS]
        ]
        skipped = [
            SkippedEntry(method=m, name=n, reason=why, count=c)
            for (m, n, why), c in sorted(skips.items(), key=lambda kv: -kv[1])[:MAX_ERRORS]
        ]
        return errors, skipped


_LATENCY_FIELDS = ("min_ms", "avg_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")
