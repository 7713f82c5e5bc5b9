"""The one table of what every route under ``/client/v1`` needs: a scope, and what a key
limited to some apps (``app_ids``) may do there.

``orchestrator.deps.authorize`` enforces it for every API route (it is attached to every
router in ``orchestrator.app``), so routes themselves only ask for the caller. A route
missing here is refused with a 500 and logged (fail closed), and
``tests/e2e/api/test_route_scopes.py`` fails until it is declared: the test walks
``app.routes``, not this table. ``gauntlet routes`` prints the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a route meets a key limited to some apps:
# - "path":      the route names an app ({appId}); another app is a 404, as if absent;
# - "job":       the route names a job ({jobId}); another app's job is a 404;
# - "filter":    a collection; the route answers only with the key's apps' items;
# - "org":       about the organization or the key, not about apps: no difference;
# - "unlimited": refused (403) to limited keys (e.g. creating an app, which such a key
#                could not see afterwards).
AppWall = Literal["path", "job", "filter", "org", "unlimited"]


@dataclass(frozen=True)
class Rule:
    scope: str | None  # None: any valid key
    apps: AppWall


def _rule(scope: str | None, apps: AppWall = "path") -> Rule:
    return Rule(scope, apps)


APPS = "/apps/{appId}"
SUITES = f"{APPS}/test-suites"
RUNS = f"{APPS}/test-runs"
LOADS = f"{APPS}/load-tests"

# (method, path relative to /client/v1) -> Rule. Keep it in path order.
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/auth"): _rule(None, "org"),
    ("GET", "/metadata"): _rule(None, "org"),
    ("GET", "/users/me"): _rule(None, "org"),
    ("GET", "/api-keys"): _rule("keys:admin", "org"),
    ("POST", "/api-keys"): _rule("keys:admin", "org"),
    ("DELETE", "/api-keys/{keyId}"): _rule("keys:admin", "org"),
    ("POST", "/api-keys/{keyId}/rotate"): _rule("keys:admin", "org"),
    ("GET", "/company/subscription"): _rule("company:read", "org"),
    ("GET", "/company/usage"): _rule("company:read", "org"),
    ("GET", "/ops/status"): _rule("ops:read", "org"),
    # Webhooks belong to the organization (an app_id only filters their events); their
    # URLs may carry a receiver's token, so even reading them is an admin's business.
    ("GET", "/webhooks"): _rule("webhooks:admin", "unlimited"),
    ("POST", "/webhooks"): _rule("webhooks:admin", "unlimited"),
    ("GET", "/webhooks/{webhookId}"): _rule("webhooks:admin", "unlimited"),
    ("PATCH", "/webhooks/{webhookId}"): _rule("webhooks:admin", "unlimited"),
    ("DELETE", "/webhooks/{webhookId}"): _rule("webhooks:admin", "unlimited"),
    ("GET", "/webhooks/{webhookId}/deliveries"): _rule("webhooks:admin", "unlimited"),
    ("GET", "/webhooks/{webhookId}/deliveries/{deliveryId}"): _rule("webhooks:admin", "unlimited"),
    ("POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): _rule(
        "webhooks:admin", "unlimited"
    ),
    ("POST", "/webhooks/{webhookId}/ping"): _rule("webhooks:admin", "unlimited"),
    # One query reads across resources and apps: the coarse read scope, unlimited keys.
    ("GET", "/graphql"): _rule("read", "unlimited"),
    ("POST", "/graphql"): _rule("read", "unlimited"),
    ("GET", "/apps"): _rule("apps:read", "filter"),
    ("POST", "/apps"): _rule("apps:write", "unlimited"),
    ("GET", APPS): _rule("apps:read"),
    ("PUT", APPS): _rule("apps:write"),
    ("DELETE", APPS): _rule("apps:admin"),
    ("GET", f"{APPS}/schema-coverage"): _rule("suites:read"),
    ("GET", SUITES): _rule("suites:read"),
    ("POST", SUITES): _rule("suites:write"),
    ("POST", f"{SUITES}/sync"): _rule("suites:write"),
    ("POST", f"{SUITES}/bulk-delete"): _rule("suites:write"),
    ("GET", f"{SUITES}/{{suiteId}}"): _rule("suites:read"),
    ("PUT", f"{SUITES}/{{suiteId}}"): _rule("suites:write"),
    ("DELETE", f"{SUITES}/{{suiteId}}"): _rule("suites:write"),
    ("GET", f"{SUITES}/{{suiteId}}/versions"): _rule("suites:read"),
    ("GET", f"{SUITES}/{{suiteId}}/versions/{{version}}"): _rule("suites:read"),
    ("POST", f"{SUITES}/{{suiteId}}/versions/{{version}}/rollback"): _rule("suites:write"),
    ("POST", f"{SUITES}/generate"): _rule("generations:write"),
    ("GET", f"{APPS}/generation-history"): _rule("generations:read"),
    ("GET", f"{APPS}/generation-history/{{jobId}}"): _rule("generations:read"),
    ("POST", f"{SUITES}/run"): _rule("runs:write"),
    ("POST", f"{SUITES}/{{suiteId}}/validate"): _rule("runs:write"),
    ("GET", RUNS): _rule("runs:read"),
    ("GET", f"{RUNS}/{{runId}}"): _rule("runs:read"),
    ("GET", f"{RUNS}/{{runId}}/suite-reports"): _rule("runs:read"),
    ("GET", f"{RUNS}/{{runId}}/suite-reports/{{reportId}}"): _rule("runs:read"),
    # Normalizing rewrites suites from what a run observed.
    ("POST", f"{RUNS}/{{runId}}/normalize"): _rule("suites:write"),
    ("POST", f"{RUNS}/{{runId}}/suite-reports/{{reportId}}/normalize"): _rule("suites:write"),
    ("GET", LOADS): _rule("load-tests:read"),
    ("POST", LOADS): _rule("load-tests:write"),
    ("GET", f"{LOADS}/{{runId}}"): _rule("load-tests:read"),
    ("POST", f"{LOADS}/{{runId}}/stop"): _rule("load-tests:write"),
    ("GET", f"{LOADS}/{{runId}}/events"): _rule("load-tests:read"),
    ("GET", "/jobs"): _rule("jobs:read", "filter"),
    ("GET", "/jobs/{jobId}"): _rule("jobs:read", "job"),
    ("POST", "/jobs/{jobId}/stop"): _rule("jobs:write", "job"),
    ("GET", "/jobs/{jobId}/events"): _rule("jobs:read", "job"),
    ("GET", "/jobs/{jobId}/validation-result"): _rule("jobs:read", "job"),
    ("GET", "/events"): _rule("jobs:read", "filter"),
}


def rule_for(method: str, path: str) -> Rule | None:
    """The rule of ``method`` on ``path`` (a route template relative to /client/v1)."""
    return RULES.get((method.upper(), path))


__all__ = ["RULES", "AppWall", "Rule", "rule_for"]
