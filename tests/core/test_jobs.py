"""Job kinds, statuses and the typed parameters and results that cross the queue."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actors.declare import handler_of
from core.jobs import (
    KINDS,
    TERMINAL,
    TERMINAL_EVENT,
    JobKind,
    JobStatus,
    LoadTestParams,
    RunParams,
    Threshold,
)


def test_every_kind_runs_somewhere() -> None:
    assert set(KINDS) == set(JobKind)
    assert len({spec.actor_name for spec in KINDS.values()}) == len(KINDS)
    for spec in KINDS.values():
        assert callable(handler_of(spec))
        assert spec.time_limit_s >= 600


def test_every_terminal_status_has_its_closing_event() -> None:
    assert set(TERMINAL_EVENT) == TERMINAL
    assert JobStatus.QUEUED not in TERMINAL and JobStatus.RUNNING not in TERMINAL


def test_parameters_survive_the_job_row() -> None:
    params = LoadTestParams(
        load_test_id="lt_1",
        base_url="http://127.0.0.1:9000",
        virtual_users=5,
        duration_secs=10,
        profile="ramp",
        thresholds=[Threshold(metric="p95_ms", op="lte", value=300)],
    )
    stored = params.model_dump_json()

    assert KINDS[JobKind.LOAD_TEST].params.model_validate_json(stored) == params


def test_a_job_stored_by_an_older_version_still_parses() -> None:
    stored = '{"base_url": "http://127.0.0.1:1", "test_suite_ids": null, "retired_option": 1}'

    params = RunParams.model_validate_json(stored)

    assert params.variables == {} and params.test_suite_ids is None


def test_parameters_missing_a_required_field_do_not_parse() -> None:
    with pytest.raises(ValidationError):
        KINDS[JobKind.VALIDATE].params.model_validate_json('{"base_url": "http://x"}')


def test_an_error_rate_threshold_is_a_fraction() -> None:
    with pytest.raises(ValidationError, match="fraction"):
        Threshold(metric="error_rate", value=5)
