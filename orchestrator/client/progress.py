"""Progress of a job from its events: suites of a run, candidates of a generation,
figures of a load test. A terminal gets a live line per running suite; a CI log gets
one plain line per thing that happened (a suite started or ended, a step failed)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from orchestrator.client.follow import Event
from orchestrator.client.screen import Screen

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
# A load test sends figures every second; a CI log gets one line this often.
PLAIN_LOAD_EVERY_S = 5.0


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def step_reason(data: dict[str, Any]) -> str:
    """Why a step failed, from its step.completed event."""
    if data.get("error"):
        return str(data["error"])
    failures = data.get("failures") or []
    if failures:
        first = failures[0]
        more = len(failures) - 1 + int(data.get("failures_left_out", 0))
        return str(first.get("reason")) + (f" (+{more} more)" if more else "")
    return "failed"


@dataclass
class _Suite:
    name: str
    id: str | None = None
    steps: int = 0
    failed: int = 0


class RunProgress:
    """Renders the events of a RUN or VALIDATE job."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.running: dict[int, _Suite] = {}
        self.spin = itertools.cycle(SPINNER)

    def __call__(self, event: Event) -> None:
        kind, data = event.get("type"), event.get("data") or {}
        s = self.screen
        if kind == "run.started":
            s.line(
                f"run {data.get('test_run_id')}: {data.get('suites')} suite(s) against "
                f"{data.get('base_url')}"
            )
        elif kind == "suite.started":
            self.running[int(data.get("suite_index", -1))] = _Suite(
                str(data.get("suite")), data.get("suite_id")
            )
            if not s.live:
                s.line(f"START {data.get('suite')}")
        elif kind == "step.completed":
            suite = self.running.setdefault(
                int(data.get("suite_index", -1)), _Suite(str(data.get("suite", "?")))
            )
            suite.steps += 1
            if not data.get("passed"):
                suite.failed += 1
                where = f"{suite.name} > {data.get('step')}"
                if s.live:
                    s.line(f"  {s.style('✗', 'red')} {where}: {step_reason(data)}")
                else:
                    s.line(f"FAIL  {where}: {step_reason(data)}")
        elif kind == "suite.completed":
            self._finished(data)
        elif kind == "job.restarted":
            s.line("the job's worker was lost: another worker took it over from the start")
        self._draw()

    def _finished(self, data: dict[str, Any]) -> None:
        # suite.completed names the suite by id (it carries no suite_index).
        for index, suite in list(self.running.items()):
            if suite.id == data.get("suite_id"):
                del self.running[index]
                break
        status = str(data.get("status"))
        passed, failed = int(data.get("passed_steps", 0)), int(data.get("failed_steps", 0))
        detail = f"{passed + failed} step(s), {failed} failed" if failed else f"{passed} step(s)"
        text = f"{data.get('suite')}  {detail}  {ms(data.get('duration_ms'))}"
        s = self.screen
        if s.live:
            mark = {"PASSED": s.style("✓", "green"), "FAILED": s.style("✗", "red")}
            s.line(f"{mark.get(status, s.style('■', 'yellow'))} {text}")
        else:
            word = {"PASSED": "PASS ", "FAILED": "FAIL "}.get(status, "STOP ")
            s.line(f"{word} {text}")

    def _draw(self) -> None:
        spin = next(self.spin)
        self.screen.block(
            [
                f"{spin} {suite.name}  {suite.steps} step(s)"
                + (
                    f", {self.screen.style(f'{suite.failed} failed', 'red')}"
                    if suite.failed
                    else ""
                )
                for suite in self.running.values()
            ]
        )

    def close(self) -> None:
        self.screen.close()


class GenerateProgress:
    """Renders the events of a GENERATE job."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.kept = self.dropped = 0

    def __call__(self, event: Event) -> None:
        kind, data = event.get("type"), event.get("data") or {}
        s = self.screen
        if kind == "generate.candidates":
            s.line(
                f"{data.get('operations')} operation(s), {data.get('candidates')} candidate "
                f"suite(s) to check against the live API"
            )
        elif kind == "generate.suite_kept":
            self.kept += 1
            note = " (contradicts the document)" if data.get("contradicts_spec") else ""
            s.line(f"KEEP  {data.get('name')}{note}")
        elif kind == "generate.suite_dropped":
            self.dropped += 1
            reasons = data.get("reasons") or ["dropped"]
            s.line(f"DROP  {data.get('name')}: {reasons[0]}")
        s.block([f"{self.kept} kept, {self.dropped} dropped"])

    def close(self) -> None:
        self.screen.close()


class LoadProgress:
    """Renders the events of a LOAD_TEST job: a live figure line on a terminal, a line
    every few seconds in a CI log."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.last_plain_t = -PLAIN_LOAD_EVERY_S

    def __call__(self, event: Event) -> None:
        kind, data = event.get("type"), event.get("data") or {}
        s = self.screen
        if kind == "load.started":
            s.line(
                f"load test {data.get('load_test_id')}: {data.get('virtual_users')} user(s), "
                f"{data.get('duration_secs')} s, {data.get('profile')} profile"
            )
        elif kind == "load.error":
            s.line(f"error: {data.get('message')}")
        elif kind == "load.stopping":
            s.line("stopping…")
        elif kind == "load.stats":
            text = (
                f"t={data.get('t', 0):.0f}s users={data.get('users')} "
                f"requests={data.get('requests')} rps={data.get('current_rps', 0):.1f} "
                f"p95={ms(data.get('current_p95_ms'))} "
                f"errors={100 * data.get('error_rate', 0):.1f}%"
            )
            if s.live:
                s.block([text])
            elif float(data.get("t", 0)) - self.last_plain_t >= PLAIN_LOAD_EVERY_S:
                self.last_plain_t = float(data.get("t", 0))
                s.line(text)

    def close(self) -> None:
        self.screen.close()
