"""``gauntlet suites pull|push``: suites as reviewed files, round-tripped through the API
with their version history kept."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

from runner import Suite, suite_to_dict
from tests.e2e.cli.conftest import Cli, assert_exit, lines
from tests.e2e.cli.suites import failing_suite
from tests.support.factories import create_app_with_suites, crud_suite, health_suite
from tests.support.pets_target import PetsTarget
from tests.support.yaml_text import yaml_text


def versions(http: httpx.Client, app: str, suite_id: str) -> list[int]:
    listed = http.get(f"/apps/{app}/test-suites/{suite_id}/versions").json()["data"]
    return [v["version"] for v in listed]


def pulled(cli: Cli, app: str, folder: str = "suites") -> Path:
    result = cli("suites", "pull", folder, "--app", app)
    assert_exit(result, 0)
    return cli.cwd / folder


def test_pull_writes_a_file_per_suite_and_is_stable(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), health_suite())

    first = pulled(cli, app, "one")
    second = pulled(cli, app, "two")

    assert sorted(p.name for p in first.iterdir()) == ["health.yaml", "pets-crud.yaml"]
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes()
    on_disk = yaml.safe_load((first / "pets-crud.yaml").read_text())
    assert on_disk == suite_to_dict(Suite.model_validate(crud_suite()))


def test_push_of_unchanged_files_makes_no_new_version(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, ids = create_app_with_suites(http, target.url, crud_suite(), health_suite())
    folder = pulled(cli, app)

    result = cli("suites", "push", folder, "--app", app)

    assert_exit(result, 0)
    assert "0 created, 0 updated, 2 unchanged, 0 deleted" in result.stdout
    assert all(versions(http, app, suite_id) == [1] for suite_id in ids)


def test_push_of_one_edited_file_makes_exactly_one_new_version_and_v1_can_be_restored(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, (crud_id, health_id) = create_app_with_suites(
        http, target.url, crud_suite(), health_suite()
    )
    folder = pulled(cli, app)
    edited = yaml.safe_load((folder / "health.yaml").read_text())
    edited["steps"][0]["assertions"].append({"type": "latency_ms", "op": "lte", "expected": 5000})
    (folder / "health.yaml").write_text(yaml_text(edited, sort_keys=False))

    result = cli("suites", "push", folder, "--app", app)

    assert_exit(result, 0)
    table = lines(result.stdout)
    assert table[0].split() == ["ACTION", "FILE", "SUITE", "ID", "VERSION"]
    assert f"update     health.yaml     health     {health_id}  v1 -> v2".split() in [
        r.split() for r in table
    ]
    assert "0 created, 1 updated, 1 unchanged, 0 deleted" in result.stdout
    assert versions(http, app, health_id) == [2, 1] and versions(http, app, crud_id) == [1]
    v1 = http.get(f"/apps/{app}/test-suites/{health_id}/versions/1").json()["data"]["suite"]
    assert len(v1["steps"][0]["assertions"]) == 1
    again = cli("suites", "push", folder, "--app", app)
    assert "0 updated, 2 unchanged" in again.stdout and versions(http, app, health_id) == [2, 1]

    rolled = http.post(f"/apps/{app}/test-suites/{health_id}/versions/1/rollback")

    assert rolled.status_code == 200 and rolled.json()["data"]["version"] == 3
    current = http.get(f"/apps/{app}/test-suites/{health_id}").json()["data"]
    assert current["steps"][0]["assertions"] == v1["steps"][0]["assertions"]


def test_push_dry_run_prints_the_plan_and_writes_nothing(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, (crud_id, _) = create_app_with_suites(http, target.url, crud_suite(), health_suite())
    folder = pulled(cli, app)
    (folder / "pets-crud.yaml").unlink()
    (folder / "new.yaml").write_text(yaml_text(failing_suite("brand new")))
    health = yaml.safe_load((folder / "health.yaml").read_text())
    health["labels"] = ["smoke"]
    (folder / "health.yaml").write_text(yaml_text(health))
    before = http.get(f"/apps/{app}/test-suites").json()

    result = cli("suites", "push", folder, "--app", app, "--dry-run", "--prune")

    assert_exit(result, 0)
    rows = {row.split()[0]: row for row in lines(result.stdout)[1:-1]}
    assert "health.yaml" in rows["update"] and "v1 -> v2" in rows["update"]
    assert "new.yaml" in rows["create"] and "(new)" in rows["create"]
    assert crud_id in rows["delete"] and "(deleted)" in rows["delete"]
    assert (
        "1 created, 1 updated, 0 unchanged, 1 deleted (dry run: nothing written)" in result.stdout
    )
    after = http.get(f"/apps/{app}/test-suites").json()
    assert [s["version"] for s in after["data"]] == [s["version"] for s in before["data"]]
    assert len(after["data"]) == 2

    applied = cli("suites", "push", folder, "--app", app, "--prune", "--json")

    assert_exit(applied, 0)
    summary = json.loads(applied.stdout)
    assert (summary["created"], summary["updated"], summary["deleted"]) == (1, 1, 1)
    names = sorted(s["name"] for s in http.get(f"/apps/{app}/test-suites").json()["data"])
    assert names == ["brand new", "health"]


def test_push_without_prune_keeps_suites_that_have_no_file(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, crud_suite(), health_suite())
    folder = cli.cwd / "partial"
    folder.mkdir()
    (folder / "only.yaml").write_text(yaml_text(health_suite("only")))

    result = cli("suites", "push", folder, "--app", app)

    assert_exit(result, 0)
    assert len(http.get(f"/apps/{app}/test-suites").json()["data"]) == 3


def test_push_lists_every_faulty_file_and_field_and_writes_nothing(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())
    folder = cli.cwd / "bad"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(yaml_text(crud_suite("good one")))
    broken = health_suite("broken")
    broken["steps"][0]["request"]["path"] = "no-leading-slash"
    broken["steps"][0]["assertions"][0]["expected"] = 999
    broken["colour"] = "red"
    (folder / "b-broken.yaml").write_text(yaml_text(broken))
    (folder / "c-not-yaml.yml").write_text("name: [unclosed")
    (folder / "d-twin.json").write_text(json.dumps(crud_suite("good one")))
    (folder / "e-list.yaml").write_text("- just\n- a list\n")

    result = cli("suites", "push", folder, "--app", app)

    assert_exit(result, 2)
    err = result.stderr
    assert "error: nothing pushed: 6 problem(s) in" in err
    assert "b-broken.yaml: steps[0].request.path: a path starts with '/'" in err
    assert "b-broken.yaml: steps[0].assertions[0].expected: 999 is not an HTTP status code" in err
    assert "b-broken.yaml: colour: unknown field" in err
    assert "c-not-yaml.yml: invalid YAML" in err
    assert "d-twin.json: name: 'good one' is also the name in a-good.yaml" in err
    assert "e-list.yaml: a suite file holds one suite" in err
    assert "a-good.yaml:" not in err.replace("name in a-good.yaml", "")
    assert [s["name"] for s in http.get(f"/apps/{app}/test-suites").json()["data"]] == ["health"]


def test_push_maps_the_servers_field_errors_to_files(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite())
    folder = cli.cwd / "big"
    folder.mkdir()
    (folder / "a.yaml").write_text(yaml_text(health_suite("fine")))
    (folder / "b.json").write_text(json.dumps(health_suite("huge", steps=10_001)))

    result = cli("suites", "push", folder, "--app", app)

    assert_exit(result, 2)
    assert "error: nothing pushed: 400 VALIDATION_ERROR" in result.stderr
    assert "b.json: steps: 10001 steps exceed the maximum of 10000" in result.stderr
    assert len(http.get(f"/apps/{app}/test-suites").json()["data"]) == 1


def test_pull_warns_about_suites_of_one_name(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(http, target.url, health_suite("twin"), health_suite("twin"))

    result = cli("suites", "pull", "twins", "--app", app)

    assert_exit(result, 0)
    assert sorted(p.name for p in (cli.cwd / "twins").iterdir()) == ["twin-2.yaml", "twin.yaml"]
    assert "several suites are named 'twin': push matches suites by name" in result.stderr
