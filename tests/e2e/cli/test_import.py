"""``gauntlet import postman|har``: other tools' files become suites that run green
against the target they were made with, and what could not be carried over is listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.cli.conftest import Cli, assert_exit, lines
from tests.support.browser import CHROMIUM_PACKAGES, chromium_binaries
from tests.support.factories import create_app
from tests.support.har_recorder import record_pets_session
from tests.support.learner_target import LearnerTarget
from tests.support.pets_target import PetsTarget
from tests.support.services import skip_or_fail

DATA = Path(__file__).parents[2] / "data"
BASICS = DATA / "postman" / "rest-api-basics.postman_collection.json"
WORKSPACE = DATA / "postman" / "pets-workspace.postman_collection.json"
RECORDED_HAR = DATA / "har" / "pets-chromium.har"


@pytest.fixture(scope="module")
def learner() -> Iterator[LearnerTarget]:
    server = LearnerTarget().start()
    yield server
    server.stop()


def import_push_run(cli: Cli, http: httpx.Client, kind: str, source: Path, base_url: str) -> str:
    """Import ``source``, push the files into a new app, run it; the import's stderr."""
    imported = cli("import", kind, source, "--out", "imported")
    assert_exit(imported, 0)
    app = create_app(http, base_url)
    assert_exit(cli("suites", "push", "imported", "--app", app), 0)
    ran = cli("run", "--app", app)
    assert_exit(ran, 0)
    assert "PASSED:" in ran.stdout
    return imported.stderr


def test_postman_template_collection_runs_green_against_its_target(
    cli: Cli, http: httpx.Client, learner: LearnerTarget
) -> None:
    err = import_push_run(cli, http, "postman", BASICS, learner.url)

    assert "imported 1 suite(s), 4 step(s)" in err
    assert "the requests went to: https://postman-rest-api-learner.glitch.me" in err
    assert "not imported" not in err
    assert learner.requests == [
        "GET /info?id=1",
        "POST /info",
        "PUT /info?id=1",
        "DELETE /info?id=1",
    ]


def test_postman_workspace_with_folders_runs_green_and_lists_what_it_left_out(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    err = import_push_run(cli, http, "postman", WORKSPACE, target.url)

    assert "imported 3 suite(s), 6 step(s)" in err
    notes = [line.strip() for line in lines(err[err.index("not imported") :])[1:]]
    assert notes == [
        "- Pets workspace > Health: pre-request script not run (1 line(s))",
        "- Pets workspace > Upload a photo: literal bearer token left out of the suite file: "
        "set the app's auth, or use a {{variable}} given with --var",
        "- Pets workspace > Upload a photo: file field 'photo' left out",
        "- Pets workspace / Pets > Create a pet: test script line not mapped: "
        'console.log("created", jsonData.id);',
    ]
    assert "s3cret-literal-token" not in "".join(
        p.read_text() for p in (cli.cwd / "imported").iterdir()
    )


def test_har_recorded_by_chromium_runs_green_against_its_target(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    if chromium_binaries() is None:
        skip_or_fail(f"needs {' and '.join(CHROMIUM_PACKAGES)} (Debian packages)")
    capture = cli.cwd / "session.har"
    capture.write_text(json.dumps(record_pets_session(target.url)))

    err = import_push_run(cli, http, "har", capture, target.url)

    assert f"the requests went to: {target.url}" in err
    assert "browser-managed headers left out: " in err and "user-agent" in err


def test_committed_har_fixture_runs_green_following_new_ids(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    created_before = target.hits("POST /pets")

    err = import_push_run(cli, http, "har", RECORDED_HAR, target.url)

    assert "imported 1 suite(s), 6 step(s)" in err
    assert "left out 1 request(s): static assets (images, styles, scripts, fonts)" in err
    assert target.hits("POST /pets") == created_before + 1
    suite = next((cli.cwd / "imported").iterdir()).read_text()
    assert "path: /pets/{{id_3}}" in suite and "id_3: $.id" in suite


def test_import_strict_exits_1_when_something_was_left_out(cli: Cli) -> None:
    assert_exit(cli("import", "postman", WORKSPACE, "--out", "a", "--strict"), 1)
    assert_exit(cli("import", "postman", BASICS, "--out", "b", "--strict"), 0)


def test_import_of_what_is_not_a_collection_or_har_exits_2(cli: Cli) -> None:
    (cli.cwd / "x.json").write_text('{"hello": 1}')
    (cli.cwd / "bad.json").write_text("{nope")
    for args, message in [
        (["postman", "x.json"], "not a Postman collection"),
        (["har", "x.json"], "not a HAR file"),
        (["har", "bad.json"], "not JSON"),
        (["postman", "missing.json"], "No such file"),
        (["postman", RECORDED_HAR], "not a Postman collection"),
    ]:
        result = cli("import", *args)
        assert_exit(result, 2)
        assert message in result.stderr, (args, result.stderr)
