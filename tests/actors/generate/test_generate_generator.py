"""The generator as a whole: deterministic, capped, ignoring what it is told to, never
crashing, every suite valid, fast enough on a 10 MB document."""

from __future__ import annotations

import copy
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from actors.generate import InvalidOpenAPIDocument, generate_suites
from actors.generate.loader import load_document
from actors.generate.offline import suite_to_yaml
from runner import Suite, suite_to_dict
from tests.actors.generate.conftest import ALL_DOCUMENTS, read
from tests.actors.generate.synthetic import large_document_text

ROOT = Path(__file__).parents[3]


def _yaml(document: Any, seed: int = 0, **kw: Any) -> str:
    result = generate_suites(document, seed=seed, max_test_suites=1000, max_candidates=1000, **kw)
    return "".join(f"# {g.slug}\n{suite_to_yaml(g.suite)}" for g in result.candidates)


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_every_document_gives_suites_that_validate_and_round_trip(path: Path) -> None:
    result = generate_suites(path.read_text(), max_test_suites=1000, max_candidates=1000)

    for generated in result.candidates:
        assert Suite.model_validate(suite_to_dict(generated.suite)) == generated.suite


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_the_same_document_and_seed_give_byte_identical_suites(path: Path) -> None:
    text = path.read_text()

    assert _yaml(text) == _yaml(text)


def test_suites_do_not_depend_on_the_interpreter_hash_seed() -> None:
    script = (
        "import hashlib, sys; from pathlib import Path\n"
        "from tests.actors.generate.test_generate_generator import _yaml\n"
        "paths = sys.argv[1:]\n"
        "print(hashlib.sha256(''.join(_yaml(Path(p).read_text()) for p in paths).encode())"
        ".hexdigest())\n"
    )
    paths = [str(p) for p in ALL_DOCUMENTS]
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", script, *paths], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        digests.add(out.stdout.strip())

    assert len(digests) == 1


def test_a_different_seed_gives_different_values() -> None:
    assert _yaml(read("pets-crud.yaml"), seed=1) != _yaml(read("pets-crud.yaml"), seed=2)


def test_the_cap_keeps_flows_then_positives_then_negatives() -> None:
    result = generate_suites(read("pets-crud.yaml"), max_test_suites=10)

    kinds = [g.kind for g in result.suites]
    assert len(result.suites) == 10
    assert kinds[:3] == ["flow", "flow", "flow"]
    assert "negative" not in kinds
    assert [g.priority for g in result.candidates] == sorted(g.priority for g in result.candidates)


def test_spare_candidates_follow_the_selected_suites() -> None:
    result = generate_suites(read("pets-crud.yaml"), max_test_suites=5, max_candidates=8)

    assert len(result.suites) == 5
    assert len([c for c in result.candidates if not c.fallback]) == 8
    assert result.total_cases > 8


def test_slugs_are_unique_file_stems() -> None:
    result = generate_suites(read("public/oas30-parameters-style.yaml"), max_test_suites=1000)

    slugs = [g.slug for g in result.candidates]
    assert len(set(slugs)) == len(slugs)
    assert all(s.replace("-", "").isalnum() for s in slugs)


@pytest.mark.parametrize(
    ("patterns", "ignored"),
    [
        (["/pets/*"], {"GET /pets/{petId}", "PUT /pets/{petId}", "DELETE /pets/{petId}",
                       "POST /pets/{petId}/photos"}),
        (["DELETE /pets/*", "post /login"], {"DELETE /pets/{petId}", "POST /login"}),
        (["/pets/{petId}", "stats"], {"GET /pets/{petId}", "PUT /pets/{petId}",
                                      "DELETE /pets/{petId}", "GET /stats"}),
        (["/owners*"], {"POST /owners", "GET /owners/{ownerId}", "DELETE /owners/{ownerId}",
                        "POST /owners/{ownerId}/visits", "GET /owners/{ownerId}/visits/{visitId}",
                        "DELETE /owners/{ownerId}/visits/{visitId}"}),
    ],
)  # fmt: skip
def test_ignored_endpoints_are_never_called(patterns: list[str], ignored: set[str]) -> None:
    result = generate_suites(read("pets-crud.yaml"), ignore_endpoints=patterns,
                             max_test_suites=1000, max_candidates=1000)  # fmt: skip

    assert {o.operation for o in result.operations if o.status == "ignored"} == ignored
    called = {op for g in result.candidates for op in g.operations}
    assert not called & ignored
    assert called


def test_a_partly_usable_document_yields_what_it_can_and_says_why_for_the_rest() -> None:
    result = generate_suites(read("edge/partial.yaml"))

    skipped = {s.target: s.reason for s in result.skipped}
    assert {g.operation for g in result.candidates} >= {"GET /good", "GET /bad-pattern"}
    assert "points at nothing" in skipped["GET /broken-param"]
    assert "external $ref" in skipped["POST /external"]
    assert "TRACE" in skipped["TRACE /odd"]
    assert skipped["GET /odd"] == "the operation is not an object"


def test_a_document_with_no_operations_gives_no_suites() -> None:
    result = generate_suites(read("public/oas31-webhooks.yaml"))

    assert result.candidates == []
    assert result.source_version.startswith("3.1")


_JUNK: list[Any] = [None, 0, -1, True, "x", "", [], {}, [{}], {"$ref": "#/nope"},
                    {"$ref": "#"}, {"$ref": 5}, {"type": "weird"}, {"type": ["a", 1]},
                    {"allOf": "no"}, {"enum": []}, {"pattern": "("}, {"minimum": "z"},
                    {"required": [1, {}]}, {"properties": []}, "#/components"]  # fmt: skip


def _mutate(doc: Any, rng: random.Random) -> Any:
    """``doc`` with one randomly chosen node replaced by junk."""
    mutated = copy.deepcopy(doc)
    node, steps = mutated, rng.randint(1, 12)
    for _ in range(steps):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        children = [(k, v) for k, v in children if isinstance(v, dict | list) and v]
        if not children:
            break
        key, child = rng.choice(children)
        if rng.random() < 0.3 or not isinstance(child, dict | list):
            node[key] = rng.choice(_JUNK)
            return mutated
        node = child
    if isinstance(node, dict) and node:
        node[rng.choice(list(node))] = rng.choice(_JUNK)
    return mutated


@pytest.mark.parametrize("name", ["pets-crud.yaml", "pets-crud-swagger2.yaml",
                                  "edge/composition.yaml", "edge/circular.yaml",
                                  "public/oas31-train-travel.yaml"])  # fmt: skip
def test_mangled_documents_never_crash_the_generator(name: str) -> None:
    original = load_document(read(name)).document if "swagger" not in name else None
    base = original if original is not None else __import__("yaml").safe_load(read(name))
    rng = random.Random(name)
    for _ in range(40):
        try:
            result = generate_suites(_mutate(base, rng), max_test_suites=5)
        except InvalidOpenAPIDocument:
            continue
        for generated in result.candidates:
            Suite.model_validate(suite_to_dict(generated.suite))


@pytest.mark.slow
def test_a_10_mb_document_with_1300_operations_is_generated() -> None:
    """Timing goals live in bench/generate.py; this proves it completes and shows the time."""
    text = large_document_text()
    started = time.perf_counter()

    result = generate_suites(text)

    elapsed = time.perf_counter() - started
    print(f"\n{len(text) / 1e6:.1f} MB, {len(result.operations)} operations: "
          f"{result.total_cases} cases in {elapsed:.1f} s")  # fmt: skip
    assert len(result.operations) == 1300
    assert len(result.suites) == 30
