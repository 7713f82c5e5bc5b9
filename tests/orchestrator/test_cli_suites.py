"""`gauntlet generate` and `gauntlet suites export|import` as a user runs them: real
processes, a real (SQLite) database, files on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

from orchestrator.services import suites as suite_service
from runner import Suite
from storage import orgs
from storage import suites as suite_rows
from storage.db import build_engine
from storage.migrate import upgrade
from storage.models import App
from tests.support import items_target
from tests.support.factories import crud_suite, health_suite

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]


def gauntlet(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GAUNTLET, *map(str, args)], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")}
    return clean | {"GAUNTLET_DATA_DIR": str(tmp_path / "data"), "GAUNTLET_LOG_FORMAT": "json"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Session]:
    """The database the command line of ``env`` opens."""
    engine = build_engine(f"sqlite:///{tmp_path / 'data' / 'gauntlet.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def new_app(session: Session, *suites: dict) -> App:
    org, _ = orgs.get_or_create(session, "acme")
    app = App(org_id=org.id, name=f"app-{len(suites)}-{os.urandom(2).hex()}", endpoint="http://x")
    session.add(app)
    session.commit()
    for suite in suites:
        suite_service.create(session, org.id, app.id, Suite.model_validate(suite), 100)
    return app


def suites_in(session: Session, app: App) -> dict[str, dict]:
    session.expire_all()
    rows = suite_rows.all_for_app(session, app.org_id, app.id)
    return {row.name: {"version": row.version, "body": row.body_json} for row in rows}


def test_generate_writes_suite_files_without_a_server(tmp_path: Path, env: dict[str, str]) -> None:
    spec = tmp_path / "items.yaml"
    spec.write_text(yaml.safe_dump(items_target.DOCUMENT))
    out = tmp_path / "suites"

    result = gauntlet(
        "generate", spec, "--out", out, "--max-test-suites", "3", "--ignore", "/health", env=env
    )

    assert result.returncode == 0, result.stderr
    files = sorted(out.iterdir())
    assert len(files) == 3 and all(f.suffix == ".yaml" for f in files)
    assert sorted(result.stdout.split()) == [str(f) for f in files]
    for path in files:
        Suite.model_validate(yaml.safe_load(path.read_text()))
    assert not any("health" in f.name for f in files)
    again = gauntlet("generate", spec, "--out", tmp_path / "again", "--max-test-suites", "3",
                     "--ignore", "/health", env=env)  # fmt: skip
    assert again.returncode == 0
    assert [f.read_bytes() for f in files] == [
        (tmp_path / "again" / f.name).read_bytes() for f in files
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
    tmp_path: Path, env: dict[str, str], content: str | None, reason: str
) -> None:
    spec = tmp_path / "spec.yaml"
    if content is not None:
        spec.write_text(content)

    result = gauntlet("generate", spec, "--out", tmp_path / "out", env=env)

    assert result.returncode == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_export_then_import_moves_suites_between_apps_and_updates_by_name(
    tmp_path: Path, env: dict[str, str], database: Session
) -> None:
    source = new_app(database, crud_suite("pets crud"), health_suite("health"))
    target = new_app(database, health_suite("health", steps=2))
    out = tmp_path / "export"

    exported = gauntlet("suites", "export", "--app", source.id, "--out", out, env=env)
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in out.iterdir()) == ["health.yaml", "pets-crud.yaml"]
    again = gauntlet("suites", "export", "--app", source.id, "--out", tmp_path / "again", env=env)
    assert again.returncode == 0
    assert (out / "pets-crud.yaml").read_bytes() == (tmp_path / "again/pets-crud.yaml").read_bytes()

    imported = gauntlet("suites", "import", "--app", target.id, out, env=env)

    assert imported.returncode == 0, imported.stderr
    assert "1 created, 1 replaced" in imported.stdout
    after = suites_in(database, target)
    assert sorted(after) == ["health", "pets crud"]
    assert after["health"]["version"] == 2
    assert after == {
        name: {"version": after[name]["version"], "body": body["body"]}
        for name, body in suites_in(database, source).items()
    }


def test_import_validates_every_file_first_and_imports_nothing_on_an_error(
    tmp_path: Path, env: dict[str, str], database: Session
) -> None:
    app = new_app(database, health_suite("health"))
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(yaml.safe_dump(crud_suite("good one")))
    broken = health_suite("broken")
    broken["steps"][0]["request"]["path"] = "no-leading-slash"
    (folder / "b-broken.yaml").write_text(yaml.safe_dump(broken))
    (folder / "c-not-yaml.yml").write_text("name: [unclosed")
    before = suites_in(database, app)

    result = gauntlet("suites", "import", "--app", app.id, folder, env=env)

    assert result.returncode == 2
    assert "b-broken.yaml: steps.0.request.path" in result.stderr
    assert "c-not-yaml.yml: not valid YML" in result.stderr
    assert "a-good.yaml" not in result.stderr and "Traceback" not in result.stderr
    assert suites_in(database, app) == before


def test_suites_commands_name_a_missing_app(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "one.yaml").write_text(yaml.safe_dump(health_suite()))
    for args in (["export", "--app", "app_nope", "--out", tmp_path / "o"],
                 ["import", "--app", "app_nope", folder]):  # fmt: skip
        result = gauntlet("suites", *args, env=env)
        assert result.returncode == 2
        assert "app app_nope not found" in result.stderr and "Traceback" not in result.stderr
