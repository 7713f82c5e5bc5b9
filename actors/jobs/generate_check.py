"""Running generated candidates against the live API: where they run (base URL plus the
document's server path), with which client (the app's auth, the job's per-request
timeout), and the judgement of each run.

Suites run with the document's server path (``/v1``) in front of their paths unless the
base URL already ends with it, and are saved that way, so a run with the same base URL
right after generation sends exactly the requests that were checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from actors.context import WorkerContext
from actors.generate import GeneratedSuite
from actors.jobs.generate_verdict import DocumentedResponses, Judgement, judge
from runner import Suite, TargetClient, run_suite, run_suites


def path_prefix(base_url: str, server_path: str) -> str:
    """What to put in front of suite paths: the document's server path, unless the base
    URL already ends with it."""
    if not server_path:
        return ""
    base_path = urlsplit(base_url).path.rstrip("/")
    return "" if base_path.endswith(server_path) else server_path


def with_prefix(suite: Suite, prefix: str) -> Suite:
    """``suite`` with ``prefix`` in front of every path that is not a whole URL."""
    if not prefix:
        return suite
    copy = suite.model_copy(deep=True)
    for step in copy.steps:
        if step.request.path.startswith("/"):
            step.request.path = prefix + step.request.path
    return copy


def target_client(ctx: WorkerContext, auth: dict[str, Any] | None, timeout: float | None) -> Any:
    """A client for the target with the app's auth; ``timeout`` bounds each whole
    request (connect, answer and body) when given."""
    if timeout is None:
        return ctx.target_client(auth)
    s = ctx.settings
    return TargetClient(
        auth=auth,
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

    def _client(self) -> Any:
        return target_client(self.ctx, self.auth, self.timeout)

    def check(self, suites: list[Suite], batch: list[GeneratedSuite]) -> list[Judgement]:
        """One judgement per suite (``batch`` says what each is), in order; suites run
        concurrently, each with a client of its own."""
        results = run_suites(
            suites,
            concurrency=self.workers,
            base_url=self.base_url,
            client_factory=self._client,
            should_stop=self.should_stop,
        )
        judged = []
        for suite, generated, result in zip(suites, batch, results, strict=True):
            judgement = judge(suite, result, self.responses, generated.kind)
            if judgement.verdict == "contradicts_spec":
                judgement = self._confirm(judgement)
            judged.append(judgement)
        return judged

    def _confirm(self, judgement: Judgement) -> Judgement:
        """Run a marked suite once more: it is kept only if it passes as it will be run."""
        assert judgement.suite is not None
        with self._client() as client:
            again = run_suite(
                judgement.suite,
                base_url=self.base_url,
                client=client,
                should_stop=self.should_stop,
            )
        if again.stopped:
            return Judgement("stopped")
        if again.passed:
            return judgement
        failing = next(s for s in again.steps if not s.passed)
        why = failing.error or "; ".join(a.reason or "" for a in failing.assertions if not a.passed)
        return Judgement(
            "dropped",
            reasons=[
                *judgement.reasons,
                f"still failing once set to the API's behaviour: step {failing.index + 1} "
                f"({failing.name}): {why}"[:300],
            ],
        )
