"""``generate_to_directory``: what ``gauntlet generate SPEC --out DIR`` writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actors.generate import InvalidOpenAPIDocument, generate_to_directory
from runner import Suite
from tests.actors.generate.conftest import DATA


def test_one_yaml_file_per_suite_named_by_its_slug(tmp_path: Path) -> None:
    written = generate_to_directory(DATA / "pets-crud.yaml", tmp_path / "out", max_test_suites=7)

    assert len(written) == 7
    assert written[0].name == "flow-pets-petid.yaml"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)
    for path in written:
        Suite.model_validate(yaml.safe_load(path.read_text()))


def test_the_files_are_byte_identical_on_a_second_run(tmp_path: Path) -> None:
    first = generate_to_directory(DATA / "pets-crud.yaml", tmp_path / "a", seed=3)
    second = generate_to_directory(DATA / "pets-crud.yaml", tmp_path / "b", seed=3)

    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_files_carry_no_yaml_anchors(tmp_path: Path) -> None:
    written = generate_to_directory(DATA / "pets-crud.yaml", tmp_path, max_test_suites=3)

    assert not any("&id" in p.read_text() or "*id" in p.read_text() for p in written)


def test_ignored_endpoints_are_left_out(tmp_path: Path) -> None:
    written = generate_to_directory(DATA / "pets-crud.yaml", tmp_path, ignore=["/pets*"])

    assert written
    assert not any("pets" in p.name for p in written)


def test_a_document_that_is_not_openapi_raises_the_generator_error(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("hello: world\n")

    with pytest.raises(InvalidOpenAPIDocument, match="no 'openapi'"):
        generate_to_directory(spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()
