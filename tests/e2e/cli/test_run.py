"""``gauntlet run`` against a served API: exit codes, progress, failures explained."""

from __future__ import annotations

import time

import httpx

from tests.e2e.cli.conftest import Cli, assert_exit, client_env
from tests.e2e.cli.suites import failing_suite, labelled, slow_suite, variable_suite
from tests.support.factories import create_app_with_suites, crud_suite, health_suite
from tests.support.live_server import free_port
from tests.support.pets_target import PetsTarget


def test_run_of_passing_suites_exits_0_with_a_plain_line_per_suite(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), health_suite())

    result = cli("run", "--app", app)

    assert_exit(result, 0)
    out = result.stdout
    assert "\x1b[" not in out  # not a terminal: plain lines only
    assert "START pets crud" in out and "START health" in out
    assert "PASS  pets crud  4 step(s)" in out and "PASS  health  1 step(s)" in out
    assert "PASSED: 2 of 2 suite(s) passed, 0 of 5 step(s) failed" in out


def test_run_with_a_failing_step_exits_1_and_explains_it(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite(), failing_suite())

    result = cli("run", "--app", app)

    assert_exit(result, 1)
    out = result.stdout
    assert "FAIL  health is 201 > health: expected status 201, got 200 (+1 more)" in out
    assert "FAILED health is 201 > 001 health" in out
    assert f"  GET {target.url}/health -> 200" in out
    block = out[out.index("FAILED health is 201") :]
    assert (
        "  status_code\n    expected: 201\n    actual:   200\n    reason:   expected status 201"
        in block
    )
    assert "  json_path $.ok eq\n    expected: false\n    actual:   true" in block
    assert "FAILED: 1 of 2 suite(s) passed, 1 of 2 step(s) failed" in out


def test_run_against_an_unreachable_server_exits_2_naming_it(cli: Cli) -> None:
    server = f"http://127.0.0.1:{free_port()}"

    result = cli("run", "--app", "app_x", env=client_env(server, cli.key))

    assert_exit(result, 2)
    assert result.stderr.strip() == (
        f"error: cannot reach the Gauntlet server at {server}: connection refused or host unknown"
    )


def test_run_refused_by_the_server_exits_2_with_its_error(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())
    cases = {
        "gnt_not-a-real-key": "401 AUTHENTICATION_REQUIRED",
        cli.key: "404 RESOURCE_NOT_FOUND",  # an app of no organization of this key
    }
    for key, code in cases.items():
        result = cli(
            "run", "--app", app if key != cli.key else "app_nope", env=client_env(cli.server, key)
        )
        assert_exit(result, 2)
        assert result.stderr.startswith(f"error: {code}: "), result.stderr


def test_run_with_a_bad_request_exits_2_listing_the_field(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())

    result = cli("run", "--app", app, "--base-url", "not a url")

    assert_exit(result, 2)
    assert result.stderr.startswith("error: 400 VALIDATION_ERROR: base_url: Input should be")
    assert len(result.stderr.splitlines()) == 1  # one detail, already in the message


def test_run_usage_errors_exit_2_before_any_request(cli: Cli) -> None:
    for args, message in [
        (["run"], "Missing option '--app'"),
        (["run", "--app", "a", "--var", "novalue"], "--var 'novalue': expected NAME=VALUE"),
        (["run", "--app", "a", "--suite", "ts_1", "--label", "x"], "--suite or --label, not both"),
        (["run", "--app", "a", "--timeout", "0"], "--timeout"),
        (["run", "--app", "a", "--env-file", "missing.env"], "no such file"),
        (["run", "--app", "a", "--server", "ftp://x"], "--server must be an http(s) URL"),
    ]:
        result = cli(*args)
        assert_exit(result, 2)
        assert message in result.stderr, (args, result.stderr)
    no_key = cli("run", "--app", "a", env=client_env(cli.server, None))
    assert_exit(no_key, 2)
    assert "no API key: pass --key or set GAUNTLET_API_KEY" in no_key.stderr


def test_run_takes_server_and_key_from_options_as_well(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())

    result = cli(
        "run", "--app", app, "--server", cli.server, "--key", cli.key, env=client_env(None, None)
    )

    assert_exit(result, 0)


def test_run_that_outlives_its_timeout_is_stopped_and_exits_3(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, slow_suite(steps=40, ms=250))

    result = cli("run", "--app", app, "--timeout", "2")

    assert_exit(result, 3)
    assert "timed out: stopping job" in result.stdout
    job_id = result.stdout.split()[1].rstrip(":")
    assert http.get(f"/jobs/{job_id}").json()["data"]["job_status"] == "STOPPED"
    assert "STOP  slow" in result.stdout  # the partial report still says what ran


def test_run_stopped_from_elsewhere_exits_3(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, slow_suite(steps=40, ms=250))
    with cli.start("run", "--app", app) as process:
        assert process.stdout is not None
        first = process.stdout.readline()  # "job <id>: running suites …" once accepted
        job_id = first.split()[1].rstrip(":")
        deadline = time.monotonic() + 30
        while http.get(f"/jobs/{job_id}").json()["data"]["job_status"] != "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.05)

        assert http.post(f"/jobs/{job_id}/stop").status_code == 200

        _, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    assert f"job {job_id} was stopped" in err and "Traceback" not in err


def test_run_no_wait_prints_the_job_id_and_exits_0(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())

    result = cli("run", "--app", app, "--no-wait")

    assert_exit(result, 0)
    job_id = result.stdout.strip()
    assert http.get(f"/jobs/{job_id}").json()["data"]["job_type"] == "RUN"


def test_run_by_label_runs_only_the_labelled_suites(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(
        http,
        target.url,
        labelled(health_suite("smoke one"), "smoke"),
        labelled(crud_suite("smoke two"), "smoke", "crud"),
        failing_suite("not smoke"),
    )

    result = cli("run", "--app", app, "--label", "smoke")

    assert_exit(result, 0)
    assert "PASSED: 2 of 2 suite(s) passed" in result.stdout
    assert "not smoke" not in result.stdout
    unknown = cli("run", "--app", app, "--label", "nope")
    assert_exit(unknown, 2)
    assert "labels: no test suite of the app has the label(s) nope" in unknown.stderr


def test_run_variables_come_from_env_file_and_var_which_wins(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, variable_suite())
    (cli.cwd / "ci.env").write_text("# the CI's values\npetName=rex\nexpectName=rex\n")

    assert_exit(cli("run", "--app", app, "--env-file", "ci.env"), 0)
    assert_exit(cli("run", "--app", app, "--env-file", "ci.env", "--var", "petName=fido"), 1)
    assert_exit(
        cli(
            "run",
            "--app",
            app,
            "--env-file",
            "ci.env",
            "--var",
            "petName=fido",
            "--var",
            "expectName=fido",
        ),
        0,
    )
