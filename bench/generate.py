"""Benchmark: suites from a large OpenAPI document, against standard parsers on the same
document in the same run.

    .venv/bin/python bench/generate.py                  # synthetic 10 MB, 1,300 operations
    .venv/bin/python bench/generate.py --spec api.json  # any document (JSON or YAML)

Each measurement runs in a fresh child process, so its time and peak memory (max RSS)
are its own. Printed: seconds, peak MB, cases per second, and ratios of generation to
loading the document with openapi-spec-validator and prance (dev dependencies; a missing
one is reported, not fatal). Nothing is asserted: the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("baseline", "load", "generate", "openapi-spec-validator", "prance")


def _task(name: str, spec: Path) -> dict[str, Any]:
    """Run one measurement in this process; returns what it measured."""
    sys.path.insert(0, str(ROOT))
    text = spec.read_text()
    info: dict[str, Any] = {}
    started = time.perf_counter()
    if name == "load":
        from actors.generate.loader import load_document

        info["paths"] = len(load_document(text).document.get("paths", {}))
    elif name == "generate":
        from actors.generate import generate_suites

        result = generate_suites(text)
        info.update(operations=len(result.operations), cases=result.total_cases,
                    suites=len(result.candidates))  # fmt: skip
    elif name == "openapi-spec-validator":
        from openapi_spec_validator import validate

        from actors.generate.loader import parse_text

        validate(parse_text(text))
    elif name == "prance":
        import prance

        # Recursive schemas: cut at the first repetition, as the generator does.
        prance.ResolvingParser(
            spec_string=text,
            backend="openapi-spec-validator",
            strict=False,
            recursion_limit_handler=lambda *_: {"type": "object"},
        )
    info["seconds"] = time.perf_counter() - started
    return info


def _measure(name: str, spec: Path) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, __file__, "--child", name, "--spec", str(spec)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:160]}
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, help="an OpenAPI document (default: synthetic)")
    parser.add_argument("--child", choices=TASKS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        info = _task(args.child, args.spec)
        info["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(info))
        return
    spec = args.spec
    if spec is None:
        sys.path.insert(0, str(ROOT))
        from tests.actors.generate.synthetic import large_document_text

        spec = Path(tempfile.mkdtemp()) / "synthetic.json"
        spec.write_text(large_document_text())
    print(f"document: {spec} ({spec.stat().st_size / 1e6:.1f} MB)")
    results = {name: _measure(name, spec) for name in TASKS}
    base_mb = results["baseline"].get("peak_mb", 0.0)
    for name in TASKS[1:]:
        r = results[name]
        if "error" in r:
            print(f"{name:>24}: failed: {r['error']}")
            continue
        extra = ""
        if name == "generate":
            rate = r["cases"] / r["seconds"] if r["seconds"] else 0.0
            extra = (f"  {r['operations']} operations, {r['cases']} cases "
                     f"({rate:.0f} cases/s), {r['suites']} suites kept")  # fmt: skip
        print(f"{name:>24}: {r['seconds']:7.2f} s  peak {r['peak_mb']:6.0f} MB "
              f"(+{r['peak_mb'] - base_mb:.0f} over an idle interpreter){extra}")  # fmt: skip
    gen = results["generate"]
    for other in ("load", "openapi-spec-validator", "prance"):
        if "error" not in gen and "error" not in results[other] and results[other]["seconds"]:
            ratio = gen["seconds"] / results[other]["seconds"]
            memory = gen["peak_mb"] / results[other]["peak_mb"]
            print(f"generate / {other}: {ratio:.2f}x time, {memory:.2f}x peak memory")


if __name__ == "__main__":
    main()
