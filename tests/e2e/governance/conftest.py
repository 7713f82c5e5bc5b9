"""Governance end to end: an API whose clock the tests move (quota periods, key expiry,
rotation grace, ``last_used_at``), with no worker threads: submitted jobs stay QUEUED,
which is all quotas need. Plans are set as ``gauntlet orgs set-plan`` sets them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from orchestrator.services import plans
from tests.support.api_server import Api, deployment_settings, serving
from tests.support.clock import ManualClock
from tests.support.factories import create_app, create_key, create_suite, health_suite, new_org

# The installation's default plan here: generous, so that only overrides bite.
DEFAULT_PLAN = "community"
DEFAULT_RUNS = 1000
DEFAULT_APPS = 50


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def gov(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: ManualClock
) -> Iterator[Api]:
    settings = deployment_settings(
        request,
        tmp_path_factory.mktemp("governance"),
        rate_limit_per_minute=100_000,
        rate_limit_burst=100_000,
        plan_name=DEFAULT_PLAN,
        quota_runs_per_month=DEFAULT_RUNS,
        quota_apps=DEFAULT_APPS,
    )
    with serving(settings, clock=clock) as api:
        yield api


SetPlan = Callable[..., None]


@pytest.fixture
def set_plan(gov: Api) -> SetPlan:
    """``set_plan(org_name, name=None, **limits)``: the organization's overrides."""

    def apply(org: str, name: str | None = None, **limits: int | None) -> None:
        with Session(gov.runtime.engine) as session:
            plans.set_plan(session, gov.runtime.settings, org, name=name, limits=limits)

    return apply


@pytest.fixture
def org() -> str:
    return new_org()


@pytest.fixture
def admin(gov: Api, org: str) -> Iterator[httpx.Client]:
    with gov.client(create_key(gov.runtime, org)) as client:
        yield client


def app_with_suite(client: httpx.Client, **fields: Any) -> str:
    """An app (on a port nothing listens on: jobs never run here) with one suite."""
    app_id = create_app(client, "http://127.0.0.1:9", **fields)
    create_suite(client, app_id, health_suite())
    return app_id
