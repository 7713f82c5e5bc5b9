"""Which event types a subscription's patterns name."""

from __future__ import annotations

import pytest

from actors.webhooks.catalog import EVENT_TYPES, matches, pattern_error, wanted_types


def test_a_glob_names_every_type_it_matches() -> None:
    assert wanted_types(["job.*"]) == {
        "job.queued",
        "job.started",
        "job.completed",
        "job.failed",
        "job.stopped",
        "job.cancelled",
    }
    assert wanted_types(["*.completed"]) == {
        "job.completed",
        "run.completed",
        "load_test.completed",
        "generate.completed",
    }
    assert wanted_types(["*"]) == set(EVENT_TYPES)


def test_pings_reach_every_subscription() -> None:
    assert matches(["run.completed"], "webhook.ping")


@pytest.mark.parametrize(
    "pattern", ["job.exploded", "step.completed", "JOB.*", "job completed", ""]
)
def test_a_pattern_naming_no_type_is_refused(pattern: str) -> None:
    assert pattern_error(pattern)


def test_every_documented_type_is_accepted() -> None:
    assert all(pattern_error(t) is None for t in EVENT_TYPES)
