"""LoadConfig validation and the driver's line protocol."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from loadgen.config import (
    EndpointStats,
    ErrorLine,
    LoadConfig,
    LoadReport,
    ReportLine,
    StatsLine,
    parse_line,
)
from tests.loadgen.factories import load_config, pets_suite

URL = "http://127.0.0.1:8000"


def error_fields(**overrides: Any) -> list[str]:
    base_url = overrides.pop("base_url", URL)
    with pytest.raises(ValidationError) as caught:
        load_config(base_url, **overrides)
    return [".".join(str(p) for p in err["loc"]) for err in caught.value.errors()]


def test_a_valid_config_keeps_its_defaults() -> None:
    config = load_config(URL + "/")
    assert config.base_url == URL  # a trailing slash would double the steps' leading one
    assert config.workers == 0 and config.remote is None and not config.distributed
    assert config.max_error_rate == 0.5
    assert config.stats_interval_s == 1.0 and config.spawn_rate is None
    assert config.allowed_hosts == ["*"] and "169.254.0.0/16" in config.denied_hosts


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_url": "ftp://127.0.0.1"}, "base_url"),
        ({"base_url": "127.0.0.1:8000"}, "base_url"),
        ({"base_url": URL + "?x=1"}, "base_url"),
        ({"virtual_users": 0}, "virtual_users"),
        ({"duration_secs": 0}, "duration_secs"),
        ({"duration_secs": 10**9}, "duration_secs"),
        ({"profile": "wave"}, "profile"),
        ({"spawn_rate": 0}, "spawn_rate"),
        ({"suites": []}, "suites"),
        ({"suites": [{"name": "no steps", "steps": []}]}, "suites.0.steps"),
        ({"thresholds": [{"metric": "p42_ms", "value": 1}]}, "thresholds.0.metric"),
        ({"thresholds": [{"metric": "p95_ms", "op": "about", "value": 1}]}, "thresholds.0.op"),
        ({"thresholds": [{"metric": "error_rate", "value": 5}]}, "thresholds.0"),
        ({"auth": {"type": "bearer"}}, "auth.bearer.token"),
        ({"auth": {"type": "kerberos"}}, "auth"),
        ({"workers": -1}, "workers"),
        ({"max_error_rate": 1.5}, "max_error_rate"),
        ({"remote": {"redis_url": "redis://x", "port": 70000}}, "remote.port"),
        ({"user_count": 3}, "user_count"),
    ],
)
def test_invalid_fields_are_named(overrides: dict[str, Any], field: str) -> None:
    assert field in error_fields(**overrides)


def test_auth_and_thresholds_parse_from_plain_dicts() -> None:
    config = load_config(
        URL,
        auth={"type": "query", "name": "api_key", "value": "s3cret"},
        thresholds=[
            {"metric": "p95_ms", "op": "lte", "value": 300},
            {"metric": "error_rate", "value": 0.01, "endpoint": "GET /pets/{{petId}}"},
        ],
    )
    assert config.auth is not None and config.auth.type == "query"
    assert [t.op for t in config.thresholds] == ["lte", "lte"]
    assert LoadConfig.model_validate_json(config.model_dump_json()) == config


def _report() -> LoadReport:
    totals = EndpointStats(method="ALL", name="*", requests=3, failures=1, error_rate=1 / 3)
    return LoadReport(
        profile="constant", virtual_users=1, duration_secs=1, workers=0, started_at=1.0,
        finished_at=2.0, elapsed_s=1.0, stopped_early=False, totals=totals, endpoints=[],
        timeline=[], errors=[], skipped=[], thresholds=[], thresholds_passed=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        StatsLine(
            t=1.0,
            users=2,
            requests=10,
            failures=1,
            error_rate=0.1,
            rps=10.0,
            current_rps=10.0,
            current_failures=1,
            p95_ms=12.0,
        ),
        ReportLine(report=_report()),
        ErrorLine(message="only 0 of 2 Locust workers connected"),
    ],
)
def test_every_line_round_trips_through_json(line: StatsLine | ReportLine | ErrorLine) -> None:
    assert parse_line(line.model_dump_json()) == line


def test_a_line_that_is_not_protocol_is_rejected() -> None:
    with pytest.raises(ValidationError):
        parse_line('{"type": "gossip"}')


def test_workers_get_what_their_users_need_and_nothing_more() -> None:
    config = load_config(
        URL,
        auth={"type": "bearer", "token": "t0ken"},
        thresholds=[{"metric": "p95_ms", "value": 300}],
        workers=3,
        remote={"redis_url": "redis://:redis-password@redis:6379/0"},
    )
    sent = config.for_workers()
    assert sent.auth == config.auth and sent.suites == config.suites  # users need them
    assert sent.thresholds == [] and sent.remote is None and sent.workers == 0
    assert "redis-password" not in sent.model_dump_json()


def test_more_than_one_worker_or_remote_ones_make_a_distributed_test() -> None:
    assert not load_config(URL, workers=1).distributed
    assert load_config(URL, workers=2).distributed
    assert load_config(URL, remote={"redis_url": "redis://r"}).distributed


def test_the_suite_factory_is_valid() -> None:
    assert load_config(URL, suites=[pets_suite(), pets_suite("again")]).suites[1].name == "again"
