"""The command line as a user runs it: real processes, real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.live_server import free_port

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GAUNTLET, *args], env=env, capture_output=True, text=True, timeout=60)


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")}
    return (
        env | {"GAUNTLET_DATA_DIR": str(tmp_path / "data"), "GAUNTLET_LOG_FORMAT": "json"} | extra
    )


def test_keys_create_prints_the_key_alone_on_the_last_line(tmp_path: Path) -> None:
    result = run(
        ["keys", "create", "--org", "acme", "--name", "ci", "--scopes", "admin,read"],
        cli_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("gnt_") and len(last) == 47 and " " not in last


def test_keys_list_shows_hints_and_status(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    created = run(["keys", "create", "--org", "acme", "--name", "ci"], env).stdout
    key = created.strip().splitlines()[-1]
    key_id = created.split()[2]
    listed = run(["keys", "list"], env).stdout
    assert key_id in listed and key not in listed and key[-4:] in listed
    assert run(["keys", "revoke", key_id], env).returncode == 0
    line = next(x for x in run(["keys", "list"], env).stdout.splitlines() if key_id in x)
    assert "revoked" in line.split()
    listed_json = json.loads(run(["keys", "list", "--json"], env).stdout)
    assert [k["status"] for k in listed_json if k["id"] == key_id] == ["revoked"]
    assert key_id not in run(["keys", "list", "--status", "active"], env).stdout
    again = run(["keys", "revoke", key_id], env)
    assert again.returncode == 2 and "already revoked" in again.stderr
    assert "Traceback" not in again.stderr


def test_keys_create_rejects_bad_input_with_a_one_line_reason(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    for args in (["--scopes", "root"], ["--ttl-days", "-3"], ["--scopes", ""]):
        result = run(["keys", "create", "--org", "acme", "--name", "ci", *args], env)
        assert result.returncode == 2, result
        assert "Traceback" not in result.stderr + result.stdout


def test_migrations_run_on_postgresql(tmp_path: Path, fresh_postgres_url: str) -> None:
    env = cli_env(tmp_path, GAUNTLET_DATABASE_URL=fresh_postgres_url)
    result = run(["keys", "create", "--org", "acme", "--name", "ci"], env)
    assert result.returncode == 0, result.stderr
    key_id = result.stdout.split()[2]
    assert key_id in run(["keys", "list"], env).stdout
    assert not (tmp_path / "data" / "gauntlet.db").exists()


def test_serve_answers_and_logs_json_with_request_context_but_no_secret(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    key = (
        run(["keys", "create", "--org", "acme", "--name", "ci"], env)
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [*GAUNTLET, "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        response = httpx.get(
            f"http://127.0.0.1:{port}/client/v1/users/me",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200
        request_id = response.headers["x-request-id"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    entry = next(line for line in lines if line.get("request_id") == request_id)
    assert entry["event"] == "http.request" and entry["status"] == 200
    assert entry["org_id"].startswith("org_") and entry["key_id"].startswith("key_")
    assert key not in log_path.read_text()
