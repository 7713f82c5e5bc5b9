"""The client reads YAML through the same safe loader as the server: a hostile spec or
suite file is a clear error and exit 2, never a traceback."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.cli.conftest import Cli, assert_exit, client_env
from tests.support.factories import create_app
from tests.support.hostile_yaml import DATED_DOCUMENT, HOSTILE_YAML


@pytest.mark.parametrize("name", ["binary", "set", "billion-laughs", "deep-flow", "deep-block"])
def test_offline_generate_refuses_a_hostile_spec(cli: Cli, name: str) -> None:
    text, words = HOSTILE_YAML[name]
    spec = cli.cwd / "spec.yaml"
    spec.write_text(text)

    result = cli("generate", spec, "--out", "suites", env=client_env(None, None))

    assert_exit(result, 2)
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and words in errors[0] and "line" in errors[0], result.stderr
    assert not (cli.cwd / "suites").exists()


def test_offline_generate_keeps_a_date_like_version(cli: Cli) -> None:
    spec = cli.cwd / "dated.yaml"
    spec.write_text(DATED_DOCUMENT)

    result = cli("generate", spec, "--out", "suites", env=client_env(None, None))

    assert_exit(result, 0)


def test_suites_push_names_every_hostile_file(cli: Cli, http: httpx.Client) -> None:
    app = create_app(http, "http://127.0.0.1:9")
    folder = cli.cwd / "hostile"
    folder.mkdir()
    for name, (text, _) in HOSTILE_YAML.items():
        (folder / f"{name}.yaml").write_text(text)

    result = cli("suites", "push", folder, "--app", app)

    assert_exit(result, 2)
    for name, (_, words) in HOSTILE_YAML.items():
        line = next(x for x in result.stderr.splitlines() if f"{name}.yaml:" in x)
        assert words in line and "line" in line, line
    assert http.get(f"/apps/{app}/test-suites").json()["data"] == []
