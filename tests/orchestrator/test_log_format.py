"""One log format: with GAUNTLET_LOG_FORMAT=json every line a process writes is JSON,
whoever logs it (Gauntlet, uvicorn, alembic, dramatiq); a bad setting is one line."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx

from tests.orchestrator.test_cli import GAUNTLET, cli_env, run
from tests.support.live_server import free_port


def test_serve_in_json_mode_writes_json_on_every_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    port = free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        # A new data directory: the start migrates it, so alembic logs.
        process = subprocess.Popen(
            [*GAUNTLET, "serve", "--port", str(port)], env=env, stdout=stdout, stderr=stderr
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, err.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/client/v1/apps").status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = [line for path in (out, err) for line in path.read_text().splitlines()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    loggers = {entry.get("logger", "gauntlet") for entry in entries}
    assert {"alembic.runtime.migration", "uvicorn.error"} <= loggers
    # The embedded worker threads' Dramatiq workers, stopping with the server.
    assert any(name.startswith("dramatiq.") for name in loggers), loggers
    assert any(e["event"].startswith("Running upgrade") for e in entries)
    access = [e for e in entries if e["event"] == "http.request"]
    assert {(e["path"], e["status"]) for e in access} >= {
        ("/healthz", 200),
        ("/client/v1/apps", 401),
    }
    assert all("timestamp" in e and "level" in e for e in entries)


def test_a_bad_log_level_is_a_one_line_error(tmp_path: Path) -> None:
    result = run(["serve"], cli_env(tmp_path, GAUNTLET_LOG_LEVEL="LOUD"))
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert "GAUNTLET_LOG_LEVEL" in result.stderr and "'LOUD'" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_bad_setting_is_named_on_that_one_line(tmp_path: Path) -> None:
    result = run(
        ["worker"],
        cli_env(tmp_path, GAUNTLET_RATE_LIMIT_PER_MINUTE="0", GAUNTLET_LOG_LEVEL="verbose"),
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "GAUNTLET_RATE_LIMIT_PER_MINUTE" in result.stderr
    assert "GAUNTLET_LOG_LEVEL" in result.stderr


def test_a_log_level_in_lower_case_is_accepted(tmp_path: Path) -> None:
    result = run(["keys", "list"], cli_env(tmp_path, GAUNTLET_LOG_LEVEL="warning"))
    assert result.returncode == 0, result.stderr


def test_the_loadgen_worker_process_logs_json_too(tmp_path: Path) -> None:
    # Without Redis the Locust worker process (python -m loadgen.worker) logs why and stops.
    result = run(["loadgen-worker"], cli_env(tmp_path))
    assert result.returncode == 2
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(e["event"].startswith("loadgen.worker.no_redis") for e in entries)
    assert all(e["logger"] == "gauntlet.loadgen" for e in entries if "logger" in e)
