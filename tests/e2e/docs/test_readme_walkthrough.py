"""The README's walk-through ("First steps"), run as written with bash, curl and jq
against a real embedded server on loopback, the tests' pets API playing the target.

Only what a reader cannot have here is replaced, each replacement checked to still be in
the README: the server's and the target's addresses, the `.venv/bin/gauntlet` of a fresh
clone, and the load test's length (2 users for 2 s instead of 50 for 60). Every command's
answer is read through `jq`, so an error envelope or a race (a result read before its job
ended) shows up as a `null` line, which fails the test."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from tests.support.api_server import Api, serving
from tests.support.pets_target import PetsTarget
from tests.support.services import skip_or_fail

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
LOAD_TEST = '"virtual_users": 50, "duration_secs": 60'


def walkthrough() -> str:
    text = README.read_text()
    found = re.search(r"## First steps\n.*?```sh\n(.*?)```", text, re.S)
    assert found is not None, "README: no sh block under 'First steps'"
    return found.group(1)


def test_examples_suite_json_is_the_readme_suite() -> None:
    block = re.search(r"## Suite format.*?```json\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    assert json.loads((ROOT / "examples" / "suite.json").read_text()) == json.loads(block[1])


def gauntlet_command() -> str:
    beside = Path(sys.executable).with_name("gauntlet")
    return str(beside) if beside.exists() else f"{sys.executable} -m orchestrator.cli"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("readme"), redis_url=None)
    with serving(settings, embedded_workers=True) as api:
        yield api


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(server: Api, tmp_path: Path) -> None:
    for tool in ("bash", "curl", "jq"):
        if shutil.which(tool) is None:
            skip_or_fail(f"the README walk-through needs {tool} (apt-get install {tool})")
    target = PetsTarget().start()
    try:
        script = walkthrough()
        replacements = {
            "http://127.0.0.1:8000": server.url,
            "http://127.0.0.1:9000": target.url,
            ".venv/bin/gauntlet": gauntlet_command(),
            LOAD_TEST: '"virtual_users": 2, "duration_secs": 2',
        }
        for old, new in replacements.items():
            assert old in script, f"README walk-through no longer has {old!r}"
            script = script.replace(old, new)
        # Run from a scratch directory (the walk-through writes junit.xml) that has the
        # repository's examples, as a clone's root has.
        (tmp_path / "examples").symlink_to(ROOT / "examples")
        env = os.environ | {"GAUNTLET_DATA_DIR": str(server.runtime.settings.data_dir)}
        env.pop("GAUNTLET_DATABASE_URL", None)
        env.pop("GAUNTLET_REDIS_URL", None)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        target.stop()

    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    lines = out.splitlines()
    assert "null" not in lines, out
    assert '"COMPLETED"' in lines, out  # the run, read after it ended
    assert '{"seq":1,"type":"job.queued","status":"QUEUED"}' in lines
    assert any('"type":"job.completed"' in line for line in lines)
    assert (tmp_path / "junit.xml").read_text().startswith("<?xml")
    assert sum(1 for line in lines if line.startswith("gnt_")) == 2  # the two keys made
