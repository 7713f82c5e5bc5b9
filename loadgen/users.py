"""The Locust user class built from a load test's suites (imports Locust: driver and
worker processes only).

One class, ``SuiteUser``, whatever the number of suites: each virtual user replays whole
suites back to back, steps in order, each user starting at a different suite so that all
suites carry load even with fewer users than suites. (One class per suite would let
Locust's dispatcher leave suites without any user.) The class is rebuilt from the same
config on every worker, and Locust finds it there by its name.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Mapping
from typing import Any

from locust import FastHttpUser, constant, task
from locust.contrib.fasthttp import ResponseContextManager
from locust.env import Environment
from locust.stats import StatsError

from loadgen.config import LoadConfig
from loadgen.steps import (
    SKIP_PREFIX,
    CompiledStep,
    CompiledSuite,
    ErrorLabels,
    PreparedStep,
    Replay,
    StepSkipped,
    host_of,
)
from runner import AnyAuth, HostPolicy, Masker, ObservedResponse, secrets_of

USER_CLASS_NAME = "SuiteUser"
# What a step that asserts nothing about the status accepts, as in Replay.judge.
ANY_SUCCESS = frozenset(range(100, 400))


class HostGate:
    """Remembers which hosts the policy lets a step reach (a rendered path may be an
    absolute URL to another host); each host is checked, name and addresses, once."""

    def __init__(self, policy: HostPolicy) -> None:
        self.policy = policy
        self._verdicts: dict[str, str | None] = {}

    def refusal(self, host: str) -> str | None:
        """None when ``host`` may be reached, else why not."""
        if host not in self._verdicts:
            self._verdicts[host] = self._check(host)
        return self._verdicts[host]

    def _check(self, host: str) -> str | None:
        try:
            self.policy.check_host(host)
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
            self.policy.check_addresses(host, [str(a) for a in addresses])
        except OSError as exc:
            return f"cannot resolve {host}: {exc}"
        except Exception as exc:  # TargetDenied; and a policy bug must not kill a user
            return str(exc)
        return None


def record_skip(environment: Environment, step: CompiledStep, reason: str) -> None:
    """Count a step that was not sent in Locust's error table, without a request, so
    latencies stay true; the table travels from workers to the master by itself."""
    message = SKIP_PREFIX + reason
    errors = environment.stats.errors  # re-read: a worker swaps the dict at each report
    key = StatsError.create_key(step.method, step.name, message)
    entry = errors.get(key)
    if entry is None:
        entry = errors[key] = StatsError(step.method, step.name, message)
    entry.occurred()


def lower_headers(response: ResponseContextManager) -> dict[str, str]:
    headers = response.headers
    if headers is None:
        return {}
    return {name.lower(): value for name, value in headers.itermerged()}


def build_user_class(config: LoadConfig) -> type[FastHttpUser]:
    """A ``FastHttpUser`` subclass that replays ``config.suites`` against ``base_url``."""
    auth: AnyAuth | None = config.auth
    base_url = config.base_url
    suites = tuple(CompiledSuite.of(s, base_url, auth) for s in config.suites)
    # A URL under the base URL needs no host check (the driver checked that host).
    own_prefix = base_url + "/"
    environment_vars: Mapping[str, Any] = dict(config.variables)
    masker = Masker(secrets=secrets_of(auth))
    gate = HostGate(HostPolicy(tuple(config.allowed_hosts), tuple(config.denied_hosts)))
    labels = ErrorLabels()
    starts = itertools.count()

    class SuiteUser(FastHttpUser):
        host = base_url
        network_timeout = config.request_timeout_s
        connection_timeout = config.request_timeout_s
        # Verify TLS like the runner does; Locust's default trusts any certificate.
        insecure = False
        wait_time = constant(0)

        def on_start(self) -> None:
            self.next_suite = next(starts)
            agent = self.client.client
            # Set once rather than per request: redirects are judged as they come (not
            # followed: a hop could leave the host policy), and any status below 400 is a
            # success when the step asserts nothing about it, as in Replay.judge.
            # (Locust itself sets them per instance; mypy sees class variables.)
            agent.redirect_response_codes = frozenset()  # type: ignore[misc]
            agent.valid_response_codes = ANY_SUCCESS  # type: ignore[misc]
            self.agent = agent

        @task
        def replay(self) -> None:
            suite = suites[self.next_suite % len(suites)]
            self.next_suite += 1
            # A fresh session per replay, as each run of a suite starts without cookies.
            if len(self.client.cookiejar):
                self.client.cookiejar.clear()
            replay = Replay(suite, environment_vars)
            for index, step in enumerate(suite.steps):
                self.play(replay, index, step)

        def play(self, replay: Replay, index: int, step: CompiledStep) -> None:
            try:
                prepared = replay.prepare(index, step)
            except StepSkipped as exc:
                record_skip(self.environment, step, masker.text(exc.reason))
                return
            request = prepared.request
            if not request.url.startswith(own_prefix) and (
                refusal := gate.refusal(host_of(request.url))
            ):
                replay.missed(step, index)
                record_skip(self.environment, step, refusal)
                return
            if step.fixed is not None and (not step.observe or step.accepted is not None):
                # A constant request with nothing to judge but its status: exactly what a
                # bare Locust user does (the agent judges the status against the codes it
                # accepts, a failure reads "HTTP 503"), so no per-response work of ours.
                self.agent.valid_response_codes = step.accepted or ANY_SUCCESS  # type: ignore[misc]
                self.client.request(
                    request.method,
                    request.url,
                    name=step.name,
                    data=request.body,  # type: ignore[arg-type]
                    headers=request.headers or None,
                )
                return
            self.agent.valid_response_codes = ANY_SUCCESS  # type: ignore[misc]
            with self.client.request(
                request.method,
                request.url,
                name=step.name,
                data=request.body,  # type: ignore[arg-type]
                headers=request.headers or None,
                catch_response=True,
            ) as response:
                self.settle(replay, index, step, prepared, response)

        def settle(
            self,
            replay: Replay,
            index: int,
            step: CompiledStep,
            prepared: PreparedStep,
            response: ResponseContextManager,
        ) -> None:
            status = response.status_code
            if not status:
                replay.missed(step, index)
                # The exception's repr, as Locust itself records a failed request.
                message = repr(getattr(response, "error", None) or "no response")
                response.failure(labels.label(step.method, step.name, masker.text(message)))
                return
            if not step.observe:
                # Nothing to judge but the status (a templated request), no observation.
                if status >= 400:
                    response.failure(f"HTTP {status}")
                else:
                    response.success()
                return
            if step.status_only:
                # The common "expect 200" step: copying headers and body would cost more
                # than the judging.
                observed = ObservedResponse(status=status, headers={}, body=b"", elapsed_ms=0.0)
            else:
                observed = ObservedResponse(
                    status=status,
                    headers=lower_headers(response),
                    body=response.content or b"",
                    elapsed_ms=float(response.request_meta["response_time"]),
                )
            why = replay.judge(index, step, prepared, observed)
            if why is None:
                response.success()
            else:
                response.failure(labels.label(step.method, step.name, masker.text(why)))

    SuiteUser.__name__ = SuiteUser.__qualname__ = USER_CLASS_NAME
    return SuiteUser
