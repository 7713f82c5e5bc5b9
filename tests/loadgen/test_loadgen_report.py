"""From Locust's histograms to the report: percentiles, intervals, thresholds, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any

import pytest

from loadgen.config import EndpointStats, Threshold, ThresholdVerdict
from loadgen.report import (
    Sample,
    endpoint_stats,
    evaluate_thresholds,
    percentile,
    time_point,
    verdict_reasons,
)
from loadgen.sampler import Sampler, error_text
from runner import Masker
from tests.loadgen.factories import load_config

HISTOGRAMS = [
    {1: 1},
    {0: 50, 1: 30, 2: 15, 5: 4, 120: 1},
    {3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10, 10: 10, 11: 10, 12: 10},
    {40: 999, 2300: 1},
    {7: 3, 9: 1},
]


def test_percentiles_are_the_ones_locust_computes() -> None:
    fractions = [0.5, 0.9, 0.95, 0.99, 1.0]
    script = textwrap.dedent(
        f"""
        import json
        from locust.stats import calculate_response_time_percentile as p
        raw = json.loads({json.dumps(json.dumps(HISTOGRAMS))})
        hs = [{{int(k): v for k, v in h.items()}} for h in raw]
        print(json.dumps([[p(h, sum(h.values()), f) for f in {fractions}] for h in hs]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    theirs = json.loads(done.stdout)
    ours = [[percentile(h, sum(h.values()), f) for f in fractions] for h in HISTOGRAMS]
    assert ours == theirs


def test_no_requests_means_no_percentile_rather_than_zero() -> None:
    assert percentile({}, 0, 0.95) is None
    stats = endpoint_stats(Sample("GET", "/x"), elapsed_s=3)
    assert stats.p95_ms is None and stats.avg_ms is None and stats.min_ms is None
    assert stats.rps == 0 and stats.error_rate == 0


def test_an_interval_is_the_difference_of_two_samples() -> None:
    before = Sample("ALL", "*", requests=10, failures=1, total_ms=100, hist={1: 5, 20: 5})
    after = Sample("ALL", "*", requests=14, failures=2, total_ms=180, hist={1: 5, 20: 9})
    interval = after.minus(before)
    assert (interval.requests, interval.failures, interval.total_ms) == (4, 1, 80)
    assert interval.hist == {20: 4} and interval.avg_ms == 20
    point = time_point(2.0, users=3, interval=interval, dt=0.5)
    assert (point.rps, point.p50_ms, point.users, point.failures) == (8.0, 20.0, 3, 1)


def test_endpoint_figures() -> None:
    sample = Sample(
        "GET", "/pets/{{petId}}", requests=4, failures=1, total_ms=40.0, min_ms=2.5,
        max_ms=21.0, total_bytes=400, hist={3: 1, 8: 2, 21: 1},
    )  # fmt: skip
    stats = endpoint_stats(sample, elapsed_s=2)
    assert stats.key == "GET /pets/{{petId}}"
    assert (stats.rps, stats.error_rate, stats.avg_ms, stats.avg_bytes) == (2, 0.25, 10, 100)
    assert (stats.min_ms, stats.p50_ms, stats.p99_ms, stats.max_ms) == (2.5, 8, 21, 21)


def _figures(**kw: Any) -> EndpointStats:
    return EndpointStats(**{"method": "ALL", "name": "*", "requests": 100, **kw})


@pytest.mark.parametrize(
    ("threshold", "passed", "actual"),
    [
        ({"metric": "p95_ms", "op": "lte", "value": 300}, True, 120.0),
        ({"metric": "p95_ms", "op": "lt", "value": 120}, False, 120.0),
        ({"metric": "error_rate", "op": "lte", "value": 0.01}, False, 0.02),
        ({"metric": "rps", "op": "gte", "value": 50}, True, 80.0),
        ({"metric": "avg_ms", "op": "gt", "value": 100}, False, 30.0),
        ({"metric": "p95_ms", "value": 10, "endpoint": "GET /fast"}, True, 5.0),
        ({"metric": "p95_ms", "value": 10, "endpoint": "GET /nowhere"}, False, None),
    ],
)
def test_threshold_verdicts(threshold: dict[str, Any], passed: bool, actual: float | None) -> None:
    totals = _figures(p95_ms=120.0, error_rate=0.02, rps=80.0, avg_ms=30.0)
    fast = EndpointStats(method="GET", name="/fast", requests=5, p95_ms=5.0)
    [verdict] = evaluate_thresholds([Threshold(**threshold)], totals, [fast])
    assert (verdict.passed, verdict.actual) == (passed, actual)


def test_a_latency_threshold_fails_when_nothing_was_measured() -> None:
    threshold = Threshold(metric="p95_ms", value=1e9)
    [verdict] = evaluate_thresholds([threshold], _figures(requests=0), [])
    assert not verdict.passed and verdict.actual is None


def test_error_messages_read_the_same_locally_and_from_workers() -> None:
    class CatchResponseError(Exception):
        pass

    assert error_text(CatchResponseError("HTTP 500")) == "HTTP 500"
    assert error_text("CatchResponseError('HTTP 500')") == "HTTP 500"
    assert error_text('CatchResponseError("it\'s 500")') == "it's 500"
    assert error_text("step skipped: template error") == "step skipped: template error"
    assert error_text(ConnectionRefusedError(111, "refused")).startswith("ConnectionRefusedError")
    assert error_text("LocustBadStatusCode(code=503)") == "HTTP 503"


@dataclass
class FakeEntry:
    method: str
    name: str
    num_requests: int = 0
    num_failures: int = 0
    total_response_time: float = 0.0
    min_response_time: float | None = None
    max_response_time: float = 0.0
    total_content_length: int = 0
    response_times: dict[int, int] = field(default_factory=dict)

    def add(self, ms: int, failed: bool = False) -> None:
        self.num_requests += 1
        self.num_failures += failed
        self.total_response_time += ms
        self.min_response_time = min(self.min_response_time or ms, ms)
        self.max_response_time = max(self.max_response_time, ms)
        self.response_times[ms] = self.response_times.get(ms, 0) + 1


@dataclass
class FakeError:
    method: str
    name: str
    error: Any
    occurrences: int


@dataclass
class FakeStats:
    total: FakeEntry = field(default_factory=lambda: FakeEntry("", "Aggregated"))
    entries: dict[tuple[str, str], FakeEntry] = field(default_factory=dict)
    errors: dict[str, FakeError] = field(default_factory=dict)

    def add(self, method: str, name: str, ms: int, failed: bool = False) -> None:
        self.entries.setdefault((name, method), FakeEntry(method, name)).add(ms, failed)
        self.total.add(ms, failed)


def test_the_report_adds_up_and_keeps_late_figures() -> None:
    stats = FakeStats()
    config = load_config(
        "http://127.0.0.1:1", thresholds=[{"metric": "error_rate", "op": "lte", "value": 0.5}]
    )
    sampler = Sampler(config, lambda: stats, Masker(secrets=("s3cret",)))
    sampler.start()
    stats.add("POST", "/pets", 3)
    stats.add("GET", "/pets/{{petId}}", 5, failed=True)
    first = sampler.tick(users=2)
    assert (first.requests, first.failures, first.current_failures) == (2, 1, 1)
    sampler.end()
    stats.add("GET", "/pets/{{petId}}", 7)  # a worker's last report, after the end
    stats.errors["a"] = FakeError("GET", "/pets/{{petId}}", "CatchResponseError('s3cret!')", 1)
    stats.errors["b"] = FakeError("GET", "/x", "step skipped: template error: unknown", 4)
    report = sampler.report(users=2, workers=0, stopped_early=False)
    assert report.totals.requests == 3 == sum(p.requests for p in report.timeline)
    assert sum(e.requests for e in report.endpoints) == 3
    assert [e.key for e in report.endpoints] == ["POST /pets", "GET /pets/{{petId}}"]
    assert [(e.message, e.occurrences) for e in report.errors] == [("********!", 1)]
    assert [(s.name, s.reason, s.count) for s in report.skipped] == [
        ("/x", "template error: unknown", 4)
    ]
    assert report.thresholds_passed and report.thresholds[0].actual == pytest.approx(1 / 3)


def _totals(requests: int, failures: int) -> EndpointStats:
    rate = failures / requests if requests else 0.0
    return EndpointStats(
        method="ALL", name="*", requests=requests, failures=failures, error_rate=rate
    )


@pytest.mark.parametrize(
    ("requests", "failures", "allowed", "failed"),
    [
        (100, 100, 0.5, True),
        (100, 51, 0.5, True),
        (100, 50, 0.5, False),
        (100, 1, 0.0, True),
        (100, 100, 1.0, False),
    ],
)
def test_an_error_rate_above_the_allowed_one_fails_the_test(
    requests: int, failures: int, allowed: float, failed: bool
) -> None:
    reasons = verdict_reasons(
        _totals(requests, failures), [], allowed, stopped_early=False, top_error="HTTP 503"
    )
    assert bool(reasons) is failed
    if failed:
        assert f"{failures} of {requests} requests failed" in reasons[0]
        assert "HTTP 503" in reasons[0] and "max_error_rate" in reasons[0]


def test_a_test_that_completed_no_request_fails_unless_it_was_stopped() -> None:
    assert verdict_reasons(_totals(0, 0), [], 0.5, stopped_early=False) == [
        "no request completed during the load test"
    ]
    assert verdict_reasons(_totals(0, 0), [], 0.5, stopped_early=True) == []


def test_crossed_thresholds_and_notes_are_reasons_too() -> None:
    verdict = ThresholdVerdict(
        metric="p95_ms", op="lte", value=300, endpoint="GET /pets", actual=512, passed=False
    )
    reasons = verdict_reasons(
        _totals(10, 0), [verdict], 0.5, stopped_early=False, notes=["every worker left"]
    )
    assert reasons == ["every worker left", "threshold p95_ms lte 300 on GET /pets crossed: 512"]
