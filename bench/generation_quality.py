"""Generation quality on real public OpenAPI documents served by Prism, against
Schemathesis on the same mocks in the same run.

    .venv/bin/python bench/generation_quality.py [--only NAME ...] [--max-examples 10]
        [--max-test-suites 100] [--no-schemathesis] [--no-mutants] [--json FILE]

Per document (bench/corpus.py; npm packages installed into ``GAUNTLET_NPM_CACHE``):
Prism serves it on a free loopback port; an embedded ``gauntlet serve`` generates suites
through the public API (an app with the document and a bearer secret, ``POST
.../test-suites/generate`` with ``base_url`` = the mock) and runs what it kept against
the unchanged mock (``POST .../test-suites/run``); the kept suites then face the mutants
of bench/mutation.py through a proxy; ``st run SPEC --url MOCK --max-examples N`` runs
on the same mock. Printed per document and in total:

- ``ops``: operations in the document; ``2xx``: of those, the ones documenting a 2xx
  answer (Prism cannot answer 2xx to the others, so they are the denominator); the
  totals also give the share of those Prism can answer with a 2xx at all (not those
  documented only as ``*/*`` with an object schema);
- ``G 2xx`` / ``ST 2xx``: operations where a request of the kept suites (Gauntlet) or
  of Schemathesis got a 2xx answer;
- ``steps``: kept steps passing on the unchanged mock; ``404``: kept steps that passed
  on a 404 "route not found" (must be 0);
- ``mutants``: caught / applicable; ``gen s``: submit to end of the generate job
  (generation and checks), ``offline s``: generation alone, in process; ``st s``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actors.coverage import PathMatcher, compute_coverage  # noqa: E402
from actors.generate import generate_suites  # noqa: E402
from bench._gauntlet import Gauntlet  # noqa: E402
from bench._quality import DocResult, print_table  # noqa: E402
from bench._schemathesis import run_schemathesis  # noqa: E402
from bench.corpus import ensure_corpus, label  # noqa: E402
from bench.mutation import DocumentSchemas  # noqa: E402
from bench.mutation_run import score_mutants  # noqa: E402
from tests.support.prism import start_prism  # noqa: E402
from tests.support.services import ServerFailed, free_port  # noqa: E402

# What a user gives: the secret alone, as a bearer token; generation places it.
SECRET = "bench-secret-token"
ROUTE_NOT_FOUND = "NO_PATH_MATCHED_ERROR"


def measure(path: Path, gauntlet: Gauntlet, args: argparse.Namespace) -> DocResult:
    text = path.read_text()
    document = json.loads(text)
    result = DocResult(name=label(path))
    coverage = compute_coverage(document, [], None)
    keys = [(op.method, op.path) for op in coverage.operations]
    result.operations = len(keys)
    with_2xx = {
        f"{op.method} {op.path}"
        for op in coverage.operations
        if any(code.startswith("2") for code in op.documented)
    }
    result.documented_2xx = len(with_2xx)
    result.mock_limited = len(DocumentSchemas(document).mock_cannot_answer() & with_2xx)
    started = time.perf_counter()
    generate_suites(text, max_test_suites=args.max_test_suites)
    result.offline_s = time.perf_counter() - started
    try:
        prism = start_prism(path)
    except ServerFailed as exc:
        result.error = f"prism: {str(exc).splitlines()[0]}"
        return result
    with prism:
        app_id = gauntlet.create_app(text, prism.url, {"type": "bearer", "token": SECRET})
        body = {"base_url": prism.url, "max_test_suites": args.max_test_suites}
        job, result.generate_s = gauntlet.generate(app_id, body)
        result.job_status = job["job_status"]
        if args.explain:
            explain(gauntlet.history(app_id, job["job_id"]))
        summary = job.get("result") or {}
        prefix = str(summary.get("path_prefix") or "")
        matcher = PathMatcher(keys, prefix)
        reports = gauntlet.run(app_id, prism.url)
        for report in reports:
            for step in report["steps"]:
                result.steps += 1
                result.steps_passed += bool(step["passed"])
                response, request = step.get("response") or {}, step.get("request") or {}
                status = response.get("status")
                if (
                    step["passed"]
                    and status == 404
                    and ROUTE_NOT_FOUND in (response.get("body") or "")
                ):
                    result.route_404_passes += 1
                found = matcher.match(
                    request.get("method", ""), urlsplit(request.get("url", "")).path
                )
                if found and status and 200 <= status < 300:
                    result.gauntlet_reached.add(f"{found[0]} {found[1]}")
        result.gauntlet_reached &= with_2xx
        if not args.no_mutants and reports:
            suites = gauntlet.suites(app_id)
            score = score_mutants(document, suites, prism.url, keys, prefix, summary, SECRET)
            result.mutants, result.caught = score.applicable, score.caught
            result.mutant_misses = score.missed
        if not args.no_schemathesis:
            st = run_schemathesis(path, prism.url, max_examples=args.max_examples)
            result.st_s, result.st_error = st.seconds, st.error
            st_matcher = PathMatcher(keys)
            for method, call_path, status in st.calls:
                found = st_matcher.match(method, call_path)
                if found and 200 <= status < 300:
                    result.st_reached.add(f"{found[0]} {found[1]}")
            result.st_reached &= with_2xx
    return result


def explain(history: dict[str, Any]) -> None:
    """What generation decided, and the first reason of each operation without a suite."""
    for decision in history.get("decisions", []):
        print(f"  {decision['topic']}: {decision['decision']}")
        for line in decision["evidence"][:4]:
            print(f"    {line}")
    for op in history["operations"]:
        if op["status"] != "kept":
            why = [r for r in op["reasons"] if ": dropped: " in r] or op["reasons"] or ["-"]
            print(f"  {op['operation']}: {op['status']}: {why[0][:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="documents whose name contains one of these")
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--max-test-suites", type=int, default=100)
    parser.add_argument("--no-schemathesis", action="store_true")
    parser.add_argument("--no-mutants", action="store_true")
    parser.add_argument("--json", type=Path, help="write every figure here too")
    parser.add_argument(
        "--explain", action="store_true", help="print each generation's decisions and drops"
    )
    args = parser.parse_args()
    documents = ensure_corpus()
    if args.only:
        documents = [d for d in documents if any(o in label(d) for o in args.only)]
    gauntlet = Gauntlet(free_port())
    results: list[DocResult] = []
    try:
        for path in documents:
            try:
                results.append(measure(path, gauntlet, args))
            except Exception as exc:  # one document must not end the benchmark
                results.append(
                    DocResult(name=label(path), error=f"{type(exc).__name__}: {exc}"[:200])
                )
            print(results[-1].line(), flush=True)
    finally:
        gauntlet.stop()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in results], indent=1))


if __name__ == "__main__":
    main()
