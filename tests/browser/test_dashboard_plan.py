"""The dashboard's Plan panel: the organization's plan and its usage against each quota,
as the API counts it."""

from __future__ import annotations

from sqlmodel import Session

from orchestrator.services import plans
from tests.browser.conftest import Org, sign_in
from tests.support.api_server import Api
from tests.support.browser import Browser
from tests.support.factories import health_suite
from tests.support.pets_target import PetsTarget


def test_the_plan_panel_shows_usage_against_each_quota(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    with Session(api.runtime.engine) as session:
        plans.set_plan(
            session,
            api.runtime.settings,
            org.name,
            name="starter",
            limits={"runs_per_month": 3, "apps": 2},
        )
    app_id = org.add_app(target, health_suite())
    for _ in range(3):
        org.submit(f"/apps/{app_id}/test-suites/run", {})
    sign_in(browser, api, org, "#/plan")
    browser.wait_for(
        lambda: browser.run("return document.querySelector('#main').dataset.ready === 'plan'"),
        "the plan panel",
    )
    assert "starter" in browser.text("#plan-summary")
    rows = browser.run(
        "return [...document.querySelectorAll('#plan-quotas tbody tr')].map("
        "tr => [...tr.querySelectorAll('td')].slice(0, 4).map(td => td.textContent))"
    )
    by_quota = {row[0]: row[1:] for row in rows}
    assert by_quota["Runs this month"] == ["3", "3", "0"]
    assert by_quota["Apps"] == ["1", "2", "1"]
    assert by_quota["Generations this month"][1:] == ["—", "—"]  # unlimited
    full = browser.run("return document.querySelectorAll('#plan-quotas .quota.full').length")
    assert full == 1  # the runs quota is spent: its bar says so
    browser.screenshot("dashboard-plan")
