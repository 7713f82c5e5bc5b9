"""``gauntlet generate``: offline into files (no server, no key), or ``--app`` as a job
on the server that keeps the suites the live API confirms."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from runner import Suite
from tests.e2e.cli.conftest import Cli, assert_exit, client_env, lines
from tests.support import items_target
from tests.support.factories import create_app
from tests.support.pets_target import PetsTarget, openapi_document
from tests.support.yaml_text import yaml_text


def test_generate_writes_suite_files_without_a_server(cli: Cli) -> None:
    spec = cli.cwd / "items.yaml"
    spec.write_text(yaml_text(items_target.DOCUMENT))
    offline = client_env(None, None)
    args = ["generate", spec, "--max-test-suites", "3", "--ignore", "/health"]

    result = cli(*args, "--out", "suites", env=offline)

    assert_exit(result, 0)
    files = sorted((cli.cwd / "suites").iterdir())
    assert len(files) == 3 and all(f.suffix == ".yaml" for f in files)
    assert sorted(result.stdout.split()) == [f"suites/{f.name}" for f in files]
    for path in files:
        Suite.model_validate(yaml.safe_load(path.read_text()))
    assert not any("health" in f.name for f in files)
    again = cli(*args, "--out", "again", env=offline)
    assert_exit(again, 0)
    assert [f.read_bytes() for f in files] == [
        (cli.cwd / "again" / f.name).read_bytes() for f in files
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file"),
        ("just: [text", "not a usable OpenAPI document"),
        ('{"openapi": "9.9", "paths": {}}', "unsupported OpenAPI version"),
    ],
)
def test_generate_refuses_an_unusable_document_in_one_line(
    cli: Cli, content: str | None, reason: str
) -> None:
    spec = cli.cwd / "spec.yaml"
    if content is not None:
        spec.write_text(content)

    result = cli("generate", spec, "--out", "out", env=client_env(None, None))

    assert_exit(result, 2)
    assert reason in result.stderr and len(lines(result.stderr)) == 1


def test_generate_without_app_needs_spec_and_out(cli: Cli) -> None:
    for args in (
        ["generate"],
        ["generate", "spec.yaml"],
        ["generate", "--out", "x"],
        ["generate", "spec.yaml", "--out", "x", "--base-url", "http://x"],
    ):
        result = cli(*args)
        assert_exit(result, 2)
        assert result.stderr.startswith("error: ")


def test_generate_on_the_server_keeps_suites_and_writes_them_with_out(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app = create_app(http, target.url, schema=openapi_document())

    result = cli("generate", "--app", app, "--max-test-suites", "3", "--out", "generated")

    assert_exit(result, 0)
    assert "KEEP  " in result.stdout
    assert "COMPLETED: kept 3 of" in result.stdout
    files = sorted((cli.cwd / "generated").iterdir())
    assert len(files) == 3
    on_server = {s["name"] for s in http.get(f"/apps/{app}/test-suites").json()["data"]}
    assert {yaml.safe_load(f.read_text())["name"] for f in files} == on_server


def test_generate_on_the_server_from_a_spec_file_with_nothing_to_keep_exits_1(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app = create_app(http, target.url)
    spec = cli.cwd / "pets.json"
    spec.write_text(json.dumps(openapi_document()))

    result = cli("generate", spec, "--app", app, "--ignore", "/*", "--ignore", "/*/*")

    assert_exit(result, 1)
    assert "FAILED" in result.stdout + result.stderr
