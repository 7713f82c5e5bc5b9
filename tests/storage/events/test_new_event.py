"""storage.events.NewEvent: what an event must be before any store sees it."""

from __future__ import annotations

import pytest

from storage.events import NewEvent
from storage.events.base import MAX_STATUS_LENGTH, MAX_TYPE_LENGTH


def test_an_event_without_data_gets_an_empty_object_of_its_own() -> None:
    first, second = NewEvent(type="job.started", status="RUNNING"), NewEvent("t", "RUNNING")

    assert first.data == {} and first.data is not second.data


@pytest.mark.parametrize(
    ("type_", "status", "message"),
    [
        ("", "RUNNING", "event type"),
        ("x" * (MAX_TYPE_LENGTH + 1), "RUNNING", "event type"),
        ("job.started", "", "event status"),
        ("job.started", "R" * (MAX_STATUS_LENGTH + 1), "event status"),
    ],
    ids=["empty-type", "long-type", "empty-status", "long-status"],
)
def test_an_event_whose_type_or_status_would_not_fit_is_refused(
    type_: str, status: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        NewEvent(type=type_, status=status)


def test_the_longest_type_and_status_that_fit_are_accepted() -> None:
    event = NewEvent(type="x" * MAX_TYPE_LENGTH, status="R" * MAX_STATUS_LENGTH)

    assert (len(event.type), len(event.status)) == (MAX_TYPE_LENGTH, MAX_STATUS_LENGTH)
