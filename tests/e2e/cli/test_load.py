"""``gauntlet load``: k6-style thresholds decide the exit code; the thresholds as JUnit
from the client and from the API; labels select the suites (API and client)."""

from __future__ import annotations

import json

import httpx
import junitparser
import pytest

from tests.e2e.cli.conftest import Cli, assert_exit
from tests.e2e.cli.suites import labelled
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.pets_target import PetsTarget

pytestmark = pytest.mark.slow

BASE = ["--users", "2", "--duration", "2"]


def test_load_that_meets_its_thresholds_exits_0(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())

    result = cli(
        "load",
        "--app",
        app,
        *BASE,
        "--threshold",
        "error_rate<1%",
        "--threshold",
        "GET /health p99_ms<=60000",
        "--junit",
        "load.xml",
    )

    assert_exit(result, 0)
    assert "ENDPOINT" in result.stdout and "GET /health" in result.stdout
    assert "error_rate lt 0.01" in result.stdout and "pass" in result.stdout
    assert "COMPLETED: load test ldt_" in result.stdout
    suite = next(iter(junitparser.JUnitXml.fromfile(str(cli.cwd / "load.xml"))))
    assert suite.tests == 3 and suite.failures == 0 and suite.errors == 0


def test_load_that_crosses_a_threshold_exits_1_like_k6(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())

    result = cli(
        "load",
        "--app",
        app,
        *BASE,
        "--threshold",
        "rps<0.5",
        "--junit",
        "load.xml",
        "--json",
        "load.json",
    )

    assert_exit(result, 1)
    assert "FAIL" in result.stdout and "FAILED: load test" in result.stdout
    load_id = json.loads((cli.cwd / "load.json").read_text())["id"]
    xml = junitparser.JUnitXml.fromfile(str(cli.cwd / "load.xml"))
    case = next(c for c in next(iter(xml)) if c.name == "rps lt 0.5")
    assert isinstance(case.result[0], junitparser.Failure)
    assert case.result[0].message.startswith("rps was ")
    served = http.get(f"/apps/{app}/load-tests/{load_id}", params={"format": "junit"})
    assert served.status_code == 200 and served.headers["content-type"].startswith(
        "application/xml"
    )
    assert served.content == (cli.cwd / "load.xml").read_bytes()


def test_load_usage_errors_exit_2(cli: Cli, http: httpx.Client, target: PetsTarget) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())
    for args, message in [
        (["--threshold", "p95<=3"], "expected [METHOD /path] METRIC OP VALUE"),
        (["--threshold", "p95_ms=>3"], "expected [METHOD /path] METRIC OP VALUE"),
        (["--profile", "wavy"], "profile"),
        (["--label", "none-has-it"], "labels: no test suite of the app has the label(s)"),
    ]:
        result = cli("load", "--app", app, *BASE, *args)
        assert_exit(result, 2)
        assert message in result.stderr, (args, result.stderr)


def test_load_by_label_replays_only_the_labelled_suites(
    http: httpx.Client, target: PetsTarget
) -> None:
    app, (tagged, _) = create_app_with_suites(
        http, target.url, labelled(health_suite("tagged"), "load"), health_suite("other")
    )

    response = http.post(
        f"/apps/{app}/load-tests", json={"virtual_users": 1, "duration_secs": 1, "labels": ["load"]}
    )

    assert response.status_code == 202, response.text
    job = http.get(f"/jobs/{response.json()['data']['job_id']}").json()["data"]
    assert job["params"]["test_suite_ids"] == [tagged] and job["params"]["labels"] == ["load"]
    both = http.post(
        f"/apps/{app}/load-tests",
        json={
            "virtual_users": 1,
            "duration_secs": 1,
            "labels": ["load"],
            "test_suite_ids": [tagged],
        },
    )
    assert both.status_code == 400
    assert both.json()["error"]["details"][0]["field"] == "labels"
    running = http.get(
        f"/apps/{app}/load-tests/{response.json()['data']['load_test_id']}",
        params={"format": "junit"},
    )
    assert running.status_code in (200, 409)  # 409 until it has ended
