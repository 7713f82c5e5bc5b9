"""Locust's figures → Gauntlet's report and threshold verdicts. Pure: no Locust import.

The driver copies each Locust ``StatsEntry`` into a :class:`Sample` (counts, latency sum,
min/max and the response-time histogram ``{rounded_ms: count}``). Percentiles come from
those histograms, computed exactly as Locust computes them, so a figure here matches the one
Locust would print. Interval figures are the difference of two cumulative samples.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.jobs import Threshold
from loadgen.protocol import EndpointStats, ThresholdVerdict, TimePoint

_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "eq": operator.eq,
}
_PERCENTILES = {"p50_ms": 0.5, "p90_ms": 0.9, "p95_ms": 0.95, "p99_ms": 0.99}


def percentile(hist: dict[int, int], count: int, fraction: float) -> float | None:
    """The response time that ``fraction`` of ``count`` requests finished within, from a
    ``{rounded_ms: count}`` histogram; Locust's ``calculate_response_time_percentile``.
    ``None`` when there is nothing to measure."""
    if count <= 0 or not hist:
        return None
    allowed_above = int(count * fraction)
    seen = 0
    for rounded_ms in sorted(hist, reverse=True):
        seen += hist[rounded_ms]
        if count - seen <= allowed_above:
            return float(rounded_ms)
    return float(min(hist))


@dataclass
class Sample:
    """Cumulative figures of one endpoint (or of all requests) at one moment."""

    method: str
    name: str
    requests: int = 0
    failures: int = 0
    total_ms: float = 0.0
    min_ms: float | None = None
    max_ms: float = 0.0
    total_bytes: int = 0
    hist: dict[int, int] = field(default_factory=dict)

    def minus(self, earlier: Sample | None) -> Sample:
        """What happened between ``earlier`` and this sample (min/max are not kept)."""
        if earlier is None:
            return Sample(
                self.method, self.name, self.requests, self.failures, self.total_ms,
                None, 0.0, self.total_bytes, dict(self.hist),
            )  # fmt: skip
        hist = {k: n - earlier.hist.get(k, 0) for k, n in self.hist.items()}
        return Sample(
            method=self.method,
            name=self.name,
            requests=self.requests - earlier.requests,
            failures=self.failures - earlier.failures,
            total_ms=self.total_ms - earlier.total_ms,
            total_bytes=self.total_bytes - earlier.total_bytes,
            hist={k: n for k, n in hist.items() if n > 0},
        )

    @property
    def avg_ms(self) -> float | None:
        return self.total_ms / self.requests if self.requests > 0 else None

    def percentile(self, fraction: float) -> float | None:
        return percentile(self.hist, self.requests, fraction)


def _rate(part: int, whole: int) -> float:
    if whole > 0:
        return part / whole
    return 1.0 if part > 0 else 0.0


def endpoint_stats(sample: Sample, elapsed_s: float) -> EndpointStats:
    """The report's figures for ``sample`` over a test of ``elapsed_s`` seconds."""
    return EndpointStats(
        method=sample.method,
        name=sample.name,
        requests=sample.requests,
        failures=sample.failures,
        error_rate=_rate(sample.failures, sample.requests),
        rps=sample.requests / elapsed_s if elapsed_s > 0 else 0.0,
        avg_bytes=sample.total_bytes / sample.requests if sample.requests else 0.0,
        min_ms=sample.min_ms if sample.requests else None,
        avg_ms=sample.avg_ms,
        max_ms=sample.max_ms if sample.requests else None,
        **{key: sample.percentile(fraction) for key, fraction in _PERCENTILES.items()},
    )


def time_point(t: float, users: int, interval: Sample, dt: float) -> TimePoint:
    """One timeline point from an interval sample (see :meth:`Sample.minus`)."""
    return TimePoint(
        t=round(t, 3),
        users=users,
        requests=interval.requests,
        failures=interval.failures,
        rps=interval.requests / dt if dt > 0 else 0.0,
        avg_ms=interval.avg_ms,
        p50_ms=interval.percentile(0.5),
        p95_ms=interval.percentile(0.95),
        p99_ms=interval.percentile(0.99),
    )


def evaluate_thresholds(
    thresholds: Iterable[Threshold], totals: EndpointStats, endpoints: Iterable[EndpointStats]
) -> list[ThresholdVerdict]:
    """A verdict per threshold. A threshold on an endpoint that saw no request, or on a
    latency when nothing was measured, fails: silence is not a pass."""
    by_key = {e.key: e for e in endpoints}
    verdicts: list[ThresholdVerdict] = []
    for th in thresholds:
        figures = totals if th.endpoint is None else by_key.get(th.endpoint)
        actual = None if figures is None or not figures.requests else getattr(figures, th.metric)
        passed = actual is not None and _OPS[th.op](float(actual), th.value)
        verdicts.append(
            ThresholdVerdict(
                metric=th.metric,
                op=th.op,
                value=th.value,
                endpoint=th.endpoint,
                actual=None if actual is None else float(actual),
                passed=passed,
            )
        )
    return verdicts


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.4g}%"


def verdict_reasons(
    totals: EndpointStats,
    verdicts: Iterable[ThresholdVerdict],
    max_error_rate: float,
    *,
    stopped_early: bool,
    top_error: str | None = None,
    notes: Iterable[str] = (),
) -> list[str]:
    """Why a load test failed, one sentence per reason; empty when it passed.

    A load test fails without any threshold when more of its requests failed than
    ``max_error_rate`` allows (a target that is down must not make a green test), or when
    it ran to its end without completing a single request.
    """
    reasons = list(notes)
    if totals.requests == 0 and not stopped_early:
        reasons.append("no request completed during the load test")
    elif totals.requests and totals.error_rate > max_error_rate:
        reason = (
            f"{totals.failures} of {totals.requests} requests failed "
            f"({_percent(totals.error_rate)}), more than the {_percent(max_error_rate)} "
            "allowed (max_error_rate)"
        )
        if top_error:
            reason += f"; most frequent error: {top_error}"
        reasons.append(reason)
    for v in verdicts:
        if not v.passed:
            where = f" on {v.endpoint}" if v.endpoint else ""
            actual = "nothing measured" if v.actual is None else f"{v.actual:g}"
            reasons.append(f"threshold {v.metric} {v.op} {v.value:g}{where} crossed: {actual}")
    return reasons
