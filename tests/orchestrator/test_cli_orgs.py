"""``gauntlet orgs`` and ``gauntlet routes`` as an operator runs them: real processes,
real database; the plan set on the command line is the one the API enforces."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.orchestrator.test_cli import cli_env, run
from tests.support.live_server import free_port


def lines(text: str) -> dict[str, list[str]]:
    """``gauntlet orgs show`` output by first word."""
    return {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}


def test_set_plan_creates_the_organization_and_shows_the_result(tmp_path: Path) -> None:
    env = cli_env(tmp_path, GAUNTLET_QUOTA_APPS="5")
    result = run(
        ["orgs", "set-plan", "acme", "--runs-per-month", "10", "--concurrent-jobs", "2",
         "--name", "team"],
        env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "created organization acme" in result.stdout
    shown = lines(run(["orgs", "show", "acme"], env).stdout)
    assert shown["plan"] == ["team", "(customized)"]
    assert shown["runs_per_month"] == ["10", "organization"]
    assert shown["concurrent_jobs"] == ["2", "organization"]
    assert shown["apps"] == ["5", "default"]
    assert shown["generations_per_month"] == ["unlimited", "default"]


def test_unlimited_and_default_values(tmp_path: Path) -> None:
    env = cli_env(tmp_path, GAUNTLET_QUOTA_RUNS_PER_MONTH="100")
    run(["orgs", "set-plan", "acme", "--runs-per-month", "unlimited", "--apps", "2"], env)
    assert lines(run(["orgs", "show", "acme"], env).stdout)["runs_per_month"] == [
        "unlimited",
        "organization",
    ]
    run(["orgs", "set-plan", "acme", "--runs-per-month", "default"], env)
    shown = lines(run(["orgs", "show", "acme"], env).stdout)
    assert shown["runs_per_month"] == ["100", "default"]
    assert shown["apps"] == ["2", "organization"]


def test_list_shows_every_organization(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run(["orgs", "set-plan", "acme", "--apps", "1"], env)
    run(["keys", "create", "--org", "globex", "--name", "k"], env)
    listed = run(["orgs", "list"], env).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["acme", "globex"]
    assert "apps=1" in listed[0] and "apps=unlimited" in listed[1]


def test_bad_values_and_unknown_organizations_fail_with_one_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    for args in (
        ["orgs", "set-plan", "acme", "--apps", "many"],
        ["orgs", "set-plan", "acme", "--runs-per-month", "-1"],
        ["orgs", "set-plan", "acme", "--concurrent-jobs", "0"],
        ["orgs", "show", "nobody"],
    ):
        result = run(args, env)
        assert result.returncode == 2, (args, result)
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_routes_lists_every_route_with_its_scope(tmp_path: Path) -> None:
    out = run(["routes"], cli_env(tmp_path)).stdout
    assert any(
        line.split()[:3] == ["POST", "/client/v1/apps/{appId}/test-suites/run", "runs:write"]
        for line in out.splitlines()
    )


def test_the_plan_set_on_the_command_line_is_enforced_by_the_server(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    env = cli_env(tmp_path)
    assert run(["orgs", "set-plan", "acme", "--apps", "1"], env).returncode == 0
    key = run(["keys", "create", "--org", "acme", "--name", "ci"], env).stdout.split()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/client/v1/apps"
        headers = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.post(
                    url, headers=headers, json={"name": "a", "endpoint": "http://x.test"}
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        second = httpx.post(url, headers=headers, json={"name": "b", "endpoint": "http://x.test"})
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert first.status_code == 201
    assert second.status_code == 429 and second.json()["error"]["code"] == "QUOTA_EXCEEDED"
