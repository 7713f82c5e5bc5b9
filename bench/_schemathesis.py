"""Schemathesis, the baseline: ``st run SPEC --url MOCK`` with a fixed number of examples
per operation, and every request it sent with the status it got (from its NDJSON report;
the caller matches them to operations)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ST = Path(sys.executable).with_name("st")


@dataclass
class StResult:
    calls: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    seconds: float = 0.0
    error: str | None = None


def run_schemathesis(
    spec: Path, url: str, *, max_examples: int, seed: int = 0, timeout_s: float = 900.0
) -> StResult:
    """Run Schemathesis's default phases (examples, coverage, fuzzing, stateful) with
    ``max_examples`` per operation against ``url`` and read its NDJSON report."""
    out = StResult()
    with tempfile.TemporaryDirectory(prefix="gauntlet-st-") as tmp:
        report = Path(tmp) / "events.ndjson"
        command = [
            str(ST), "run", str(spec), "--url", url, "--max-examples", str(max_examples),
            "--seed", str(seed), "--report", "ndjson", "--report-ndjson-path", str(report),
            "--no-color", "--workers", "1", "--request-timeout", "10",
        ]  # fmt: skip
        started = time.perf_counter()
        try:
            subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, cwd=tmp,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            out.error = f"timed out after {timeout_s:.0f} s"
        out.seconds = time.perf_counter() - started
        if not report.exists():
            out.error = out.error or "no report written"
            return out
        for line in report.read_text().splitlines():
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder") or {}
            for interaction in (recorder.get("interactions") or {}).values():
                request, response = interaction.get("request") or {}, interaction.get("response")
                if response:
                    path = urlsplit(str(request.get("uri", ""))).path
                    out.calls.append(
                        (str(request.get("method")), path, int(response["status_code"]))
                    )
    return out
