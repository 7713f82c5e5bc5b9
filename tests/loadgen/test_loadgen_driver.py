"""Real load tests: the driver process through LoadDriver, against a loopback target."""

from __future__ import annotations

import itertools
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from loadgen.config import ErrorLine, LoadConfig, LoadReport, ReportLine, StatsLine
from loadgen.process import LoadDriver, LoadDriverError
from tests.loadgen.factories import load_config, pets_suite, slow_suite, wrong_expectation_suite
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget

pytestmark = pytest.mark.slow


def run(config: LoadConfig) -> tuple[list[StatsLine], LoadReport, list[float]]:
    """Run ``config`` to the end; the stats lines, the report, and when each line came."""
    stats: list[StatsLine] = []
    arrivals: list[float] = []
    with LoadDriver(config) as driver:
        for line in driver.lines():
            arrivals.append(time.monotonic())
            if isinstance(line, StatsLine):
                stats.append(line)
        report = driver.wait(timeout=30)
    return stats, report, arrivals


def test_a_short_load_streams_stats_each_second_and_reports_sane_figures(
    target: PetsTarget,
) -> None:
    url = target.url
    config = load_config(
        url,
        virtual_users=3,
        duration_secs=3,
        thresholds=[
            {"metric": "p95_ms", "op": "lte", "value": 5000},
            {"metric": "error_rate", "op": "lte", "value": 0.0},
            {"metric": "rps", "op": "gte", "value": 1e9},
        ],
    )
    stats, report, arrivals = run(config)

    assert len(stats) == 3
    assert [round(s.t) for s in stats] == [1, 2, 3]
    gaps = [b - a for a, b in itertools.pairwise(arrivals[:3])]
    assert all(0.5 < gap < 1.5 for gap in gaps), gaps
    assert stats[-1].users == 3 and stats[-1].requests > 0
    assert stats[0].requests <= stats[1].requests <= stats[2].requests

    totals = report.totals
    assert totals.requests > 50 and totals.failures == 0 and report.errors == []
    assert 2.9 < report.elapsed_s < 3.5 and not report.stopped_early
    assert totals.rps == pytest.approx(totals.requests / report.elapsed_s, rel=1e-3)
    assert totals.min_ms is not None and totals.max_ms is not None
    assert totals.min_ms <= (totals.avg_ms or 0) <= totals.max_ms
    assert totals.p50_ms is not None and totals.p99_ms is not None
    assert totals.p50_ms <= (totals.p95_ms or 0) <= totals.p99_ms <= totals.max_ms + 1

    # One endpoint per method + path template, whatever ids went into the URLs.
    assert [e.key for e in report.endpoints] == ["POST /pets", "GET /pets/{{petId}}"]
    assert sum(e.requests for e in report.endpoints) == totals.requests
    # Extraction chaining: every read found the pet its user had just created.
    created, read = target.hits("POST /pets"), target.hits("GET /pets/")
    assert abs(created - read) <= 3 and report.skipped == []
    assert report.endpoints[1].requests == pytest.approx(read, abs=3)

    assert sum(p.requests for p in report.timeline) == totals.requests
    assert [p.users for p in report.timeline][-1] == 3
    assert [v.passed for v in report.thresholds] == [True, True, False]
    assert not report.thresholds_passed


def test_failed_assertions_and_error_statuses_count_as_locust_failures(
    target: PetsTarget,
) -> None:
    url = target.url
    server_error = {"name": "500", "steps": [{"name": "fail", "request": {"path": "/status/500"}}]}
    config = load_config(
        url, suites=[wrong_expectation_suite(), server_error], virtual_users=2, duration_secs=2
    )
    _, report, _ = run(config)
    assert [e.key for e in report.endpoints] == ["GET /health", "GET /status/500"]
    assert all(e.failures == e.requests > 0 for e in report.endpoints)
    assert report.totals.error_rate == 1.0
    messages = {e.name: (e.message, e.occurrences) for e in report.errors}
    assert messages["/status/500"] == ("HTTP 500", report.endpoints[1].failures)
    assert "$.ok" in messages["/health"][0]
    assert messages["/health"][1] == report.endpoints[0].failures


def test_a_target_that_is_down_fails_the_test_and_the_report_says_why() -> None:
    config = load_config(f"http://127.0.0.1:{free_port()}", virtual_users=2, duration_secs=2)
    _, report, _ = run(config)
    assert report.totals.requests > 0 and report.totals.error_rate == 1.0
    assert not report.passed and report.thresholds == [] and report.max_error_rate == 0.5
    assert report.reasons[0].startswith(f"{report.totals.requests} of {report.totals.requests}")
    assert "ConnectionRefusedError" in report.reasons[0]


def test_a_status_assertion_decides_what_counts_as_a_failure(target: PetsTarget) -> None:
    def suite(path: str, expected: object) -> dict[str, object]:
        step = {"name": path, "request": {"path": path}}
        step["assertions"] = [{"type": "status_code", "expected": expected}]
        return {"name": path, "steps": [step]}

    config = load_config(
        target.url,
        suites=[suite("/status/503", "5xx"), suite("/status/500", 200), suite("/health", [200])],
        virtual_users=3,
        duration_secs=2,
        max_error_rate=1,
    )
    _, report, _ = run(config)
    by_name = {e.name: e for e in report.endpoints}
    assert by_name["/status/503"].requests > 0 and by_name["/status/503"].failures == 0
    assert by_name["/health"].requests > 0 and by_name["/health"].failures == 0
    assert by_name["/status/500"].failures == by_name["/status/500"].requests > 0
    assert {(e.name, e.message) for e in report.errors} == {("/status/500", "HTTP 500")}


def test_a_ramp_adds_users_over_time(target: PetsTarget) -> None:
    url = target.url
    config = load_config(
        url, suites=[slow_suite(20)], profile="ramp", virtual_users=4, duration_secs=4
    )
    stats, report, _ = run(config)
    users = [s.users for s in stats]
    assert users[0] < 4 and users[-1] == 4 and users == sorted(users)
    assert report.profile == "ramp" and report.totals.requests > 0


def test_sigterm_ends_the_load_and_the_report_still_comes_within_2_s(
    target: PetsTarget,
) -> None:
    url = target.url
    config = load_config(url, virtual_users=2, duration_secs=60)
    with LoadDriver(config) as driver:
        seen = 0
        for line in driver.lines():
            if isinstance(line, StatsLine):
                seen += 1
                if seen == 2:
                    stopped_at = time.monotonic()
                    driver.stop()
            if isinstance(line, ReportLine):
                reported_at = time.monotonic()
        report = driver.wait(timeout=10)
        assert driver.returncode == 0
    assert reported_at - stopped_at < 2.0
    assert report.stopped_early and 1.5 < report.elapsed_s < 5
    assert report.totals.requests > 0


def test_a_stop_while_the_driver_starts_still_ends_with_a_report(
    target: PetsTarget,
) -> None:
    url = target.url
    with LoadDriver(load_config(url, duration_secs=60)) as driver:
        time.sleep(0.2)  # Locust is still being imported
        driver.stop()
        lines = list(driver.lines())
        report = driver.wait(timeout=10)
    assert [type(line) for line in lines] == [ReportLine]
    assert report.stopped_early and report.totals.requests == 0 == target.hits()


def test_a_driver_killed_mid_run_is_noticed(target: PetsTarget) -> None:
    url = target.url
    with LoadDriver(load_config(url, duration_secs=60)) as driver:
        for line in driver.lines():
            if isinstance(line, StatsLine):
                driver.kill()
        with pytest.raises(LoadDriverError, match="killed by SIGKILL before its report"):
            driver.wait(timeout=10)


def test_a_driver_that_crashes_is_reported_with_its_stderr(tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'Traceback: something broke' >&2\nexit 7\n")
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    config = load_config("http://127.0.0.1:9")
    with LoadDriver(config, python=str(fake_python)) as driver:
        assert list(driver.lines()) == []
        with pytest.raises(LoadDriverError) as caught:
            driver.wait(timeout=10)
    assert caught.value.exit_code == 7
    assert "exited with status 7 without a report" in caught.value.message
    assert "something broke" in caught.value.stderr_tail


def test_a_driver_that_cannot_start_leaves_no_config_behind(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).glob("gauntlet-load-*"))
    driver = LoadDriver(load_config("http://127.0.0.1:9"), python=str(tmp_path / "nope"))
    with pytest.raises(LoadDriverError, match="cannot start the load driver"):
        driver.start()
    assert set(Path(tempfile.gettempdir()).glob("gauntlet-load-*")) <= before


def test_a_denied_target_is_an_error_line_not_a_load(target: PetsTarget) -> None:
    url = target.url
    config = load_config(url, denied_hosts=["127.0.0.0/8"])
    with LoadDriver(config) as driver:
        lines = list(driver.lines())
        with pytest.raises(LoadDriverError, match="denied by the host policy"):
            driver.wait(timeout=10)
    assert [type(line) for line in lines] == [ErrorLine]
    assert driver.returncode == 2 and target.hits() == 0


def test_secrets_never_reach_the_report(target: PetsTarget) -> None:
    url = target.url
    suite = {
        "name": "echo",
        "steps": [
            {
                "name": "echo",
                "request": {"path": "/echo"},
                "assertions": [
                    {"type": "json_path", "path": "$.args.key", "op": "eq", "expected": "x"}
                ],
            }
        ],
    }
    config = load_config(
        url,
        suites=[suite],
        virtual_users=1,
        duration_secs=1,
        auth={"type": "query", "name": "key", "value": "t0p-s3cret"},
    )
    _, report, _ = run(config)
    assert report.totals.failures == report.totals.requests > 0
    assert "t0p-s3cret" not in report.model_dump_json()
    assert "********" in report.errors[0].message


def test_the_parent_side_never_imports_locust_or_gevent() -> None:
    script = textwrap.dedent(
        """
        import sys
        import loadgen.process, loadgen.config, loadgen.worker, loadgen.report
        import loadgen.profiles, loadgen.steps, loadgen.sampler, loadgen.rendezvous
        import loadgen.lifeline
        heavy = sorted(m for m in ("gevent", "locust", "dramatiq") if m in sys.modules)
        print(",".join(heavy))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""


def test_pets_suite_is_what_the_driver_tests_assume() -> None:
    assert [s["request"]["path"] for s in pets_suite()["steps"]] == ["/pets", "/pets/{{petId}}"]
