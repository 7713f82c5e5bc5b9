"""Plans: the default from the settings, organizations' overrides, the monthly period."""

from __future__ import annotations

from core.plans import default_plan, month_period, with_overrides
from core.settings import Settings
from tests.support.clock import utc as ts


def test_default_plan_comes_from_the_settings() -> None:
    plan = default_plan(Settings(plan_name="team", quota_runs_per_month=10, quota_apps=3))
    assert (plan.name, plan.runs_per_month, plan.apps, plan.generations_per_month) == (
        "team",
        10,
        3,
        None,
    )
    assert not plan.customized


def test_an_override_replaces_a_limit_and_an_absent_one_inherits() -> None:
    base = default_plan(Settings(quota_runs_per_month=10, quota_apps=3))
    plan = with_overrides(base, None, {"runs_per_month": 50})
    assert (plan.runs_per_month, plan.apps, plan.name, plan.customized) == (
        50,
        3,
        "self-hosted",
        True,
    )


def test_a_null_override_is_unlimited_not_inherited() -> None:
    base = default_plan(Settings(quota_runs_per_month=10))
    assert with_overrides(base, None, {"runs_per_month": None}).runs_per_month is None


def test_a_name_alone_customizes_the_plan() -> None:
    plan = with_overrides(default_plan(Settings()), "enterprise", {})
    assert plan.name == "enterprise" and plan.customized


def test_month_period_is_the_utc_calendar_month() -> None:
    assert month_period(ts(2031, 1, 31, 23, 59, 59)) == (int(ts(2031, 1, 1)), int(ts(2031, 2, 1)))
    assert month_period(ts(2031, 2, 1)) == (int(ts(2031, 2, 1)), int(ts(2031, 3, 1)))


def test_december_ends_at_the_new_year() -> None:
    assert month_period(ts(2031, 12, 15)) == (int(ts(2031, 12, 1)), int(ts(2032, 1, 1)))


def test_leap_february_has_29_days() -> None:
    start, end = month_period(ts(2032, 2, 29, 12))
    assert end - start == 29 * 86_400
