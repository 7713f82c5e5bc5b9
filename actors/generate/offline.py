"""Suites to files, without a server: what ``gauntlet generate SPEC --out DIR`` runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from actors.generate.generator import DEFAULT_MAX_TEST_SUITES, generate_suites
from runner import Suite, suite_to_dict


class _Dumper(yaml.SafeDumper):
    """Block-style YAML without anchors: a schema reused by two steps is written out
    twice rather than as ``*id001``, so each file reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def suite_to_yaml(suite: Suite) -> str:
    """The canonical YAML text of a suite (key order as in the model, no anchors)."""
    return yaml.dump(
        suite_to_dict(suite),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def generate_to_directory(
    spec_path: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    max_test_suites: int = DEFAULT_MAX_TEST_SUITES,
    ignore: Sequence[str] = (),
) -> list[Path]:
    """Write the best ``max_test_suites`` suites for the document at ``spec_path`` into
    ``out_dir`` (created if needed), one ``<slug>.yaml`` per suite, and return their
    paths best first. The same document, options and seed give byte-identical files.

    Raises :class:`~actors.generate.loader.InvalidOpenAPIDocument` for a document that
    is not OpenAPI, and ``OSError`` when the file cannot be read or written.
    """
    result = generate_suites(
        spec_path.read_bytes(), seed=seed, max_test_suites=max_test_suites, ignore_endpoints=ignore
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for generated in result.suites:
        target = out_dir / f"{generated.slug}.yaml"
        target.write_text(suite_to_yaml(generated.suite), encoding="utf-8")
        written.append(target)
    return written
