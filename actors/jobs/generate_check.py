"""Running generated candidates against the live API: where they run (base URL plus the
path prefix decided in :mod:`actors.jobs.generate_base`), with which client (the app's
auth where the document wants it, the job's per-request timeout), and the judgement of
each run, confirmed by a second run of what is kept.

Suites are saved with the prefix in front of their paths, so a run with the same base
URL right after generation sends exactly the requests that were checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actors.context import WorkerContext
from actors.generate import GeneratedSuite
from actors.jobs.generate_pin import pin_values, unpin_varying
from actors.jobs.generate_reach import Reach
from actors.jobs.generate_verdict import DocumentedResponses, Judgement, judge
from runner import StepResult, Suite, SuiteResult, TargetClient, run_suites


def with_prefix(suite: Suite, prefix: str) -> Suite:
    """``suite`` with ``prefix`` in front of every path that is not a whole URL."""
    if not prefix:
        return suite
    copy = suite.model_copy(deep=True)
    for step in copy.steps:
        if step.request.path.startswith("/"):
            step.request.path = prefix + step.request.path
    return copy


def target_client(
    ctx: WorkerContext, auth: dict[str, Any] | None, timeout: float | None, base_url: str
) -> Any:
    """A client for the target with the app's auth (for ``base_url``'s origin only);
    ``timeout`` bounds each whole request (connect, answer and body) when given."""
    if timeout is None:
        return ctx.target_client(auth, base_url=base_url)
    s = ctx.settings
    return TargetClient(
        auth=auth,
        auth_origin=base_url,
        policy=ctx.host_policy(),
        connect_timeout=min(s.target_connect_timeout_seconds, timeout),
        read_timeout=timeout,
        total_timeout=timeout,
        max_response_bytes=s.target_max_response_bytes,
        max_redirects=s.target_max_redirects,
    )


class CandidateChecker:
    """Runs candidates against the target, a few at a time, and judges them."""

    def __init__(
        self,
        ctx: WorkerContext,
        auth: dict[str, Any] | None,
        base_url: str,
        timeout: float | None,
        responses: DocumentedResponses,
        should_stop: Callable[[], bool],
    ) -> None:
        self.ctx = ctx
        self.auth = auth
        self.base_url = base_url
        self.timeout = timeout
        self.responses = responses
        self.should_stop = should_stop
        self.workers = max(1, ctx.settings.run_concurrency)
        self.reach = Reach(responses)
        self._valid_kept: set[str] = set()  # operations with a kept valid-request case

    def has_valid(self, operation: str) -> bool:
        """Whether a valid-request suite about ``operation`` was kept in this job."""
        return operation in self._valid_kept

    def _client(self) -> Any:
        return target_client(self.ctx, self.auth, self.timeout, self.base_url)

    def _run(self, suites: list[Suite]) -> list[SuiteResult]:
        return run_suites(
            suites,
            concurrency=self.workers,
            base_url=self.base_url,
            client_factory=self._client,
            should_stop=self.should_stop,
        )

    def check(self, suites: list[Suite], batch: list[GeneratedSuite]) -> list[Judgement]:
        """One judgement per suite (``batch`` says what each is), in order; suites run
        concurrently, each with a client of its own. What the valid requests of the
        batch reached counts for its negative cases too. What is kept with changes
        (pinned values, a mark) runs once more, again concurrently (:meth:`_settle`)."""
        results = self._run(suites)
        for suite, generated, result in zip(suites, batch, results, strict=True):
            if generated.kind != "negative":
                self.reach.observe(suite, result)
        judged: list[Judgement] = []
        again: list[tuple[int, Suite]] = []  # (position in judged, suite to run again)
        for suite, generated, result in zip(suites, batch, results, strict=True):
            judgement = judge(
                suite,
                result,
                self.responses,
                generated.kind,
                operation=generated.operation,
                reached=self.reach.evidence,
            )
            if judgement.suite is not None:
                kept = judgement.suite
                if generated.kind != "negative":
                    kept = pin_values(kept, result)
                if kept != judgement.suite or judgement.verdict != "kept":
                    again.append((len(judged), kept))
            judged.append(judgement)
        for (position, kept), rerun in zip(again, self._run([k for _, k in again]), strict=True):
            judged[position] = _settle(judged[position], kept, rerun)
        for generated, judgement in zip(batch, judged, strict=True):
            if judgement.suite is not None and generated.kind == "positive":
                self._valid_kept.add(generated.operation)
        return judged


def _settle(judgement: Judgement, suite: Suite, again: SuiteResult) -> Judgement:
    """The verdict on ``suite`` (what a kept one becomes: values pinned, or marked) after
    one more run as it will be kept: values that changed become noise; any other failure
    drops it."""
    if again.stopped:
        return Judgement("stopped")
    if not again.passed:
        suite, _ = unpin_varying(suite, again)
        failing = next(
            (s for s in again.steps if not s.passed and not _only_values_failed(s)), None
        )
        if failing is not None:
            why = failing.error or "; ".join(
                a.reason or "" for a in failing.assertions if not a.passed
            )
            return Judgement(
                "dropped",
                reasons=[
                    *judgement.reasons,
                    f"failed when run again as it would be kept: step {failing.index + 1} "
                    f"({failing.name}): {why}"[:300],
                ],
            )
    return Judgement(judgement.verdict, suite, judgement.reasons)


def _only_values_failed(step: StepResult) -> bool:
    """Whether a step failed only on value (``json_path``) assertions: values that vary."""
    if step.error or step.extraction_failures:
        return False
    return all(a.passed or a.type == "json_path" for a in step.assertions)
