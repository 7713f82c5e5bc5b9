"""The NDJSON wire form of events and heartbeats (API.md, "Events")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson

from storage.events import Event, format_timestamp, heartbeat_wire


def _event(**overrides: object) -> Event:
    values: dict[str, object] = {
        "seq": 7,
        "job_id": "job_1",
        "org_id": "org_1",
        "app_id": "app_1",
        "type": "step.completed",
        "status": "RUNNING",
        "timestamp": datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
        "data": {"step": "create pet", "passed": True},
    }
    values.update(overrides)
    return Event(**values)  # type: ignore[arg-type]


def test_timestamp_is_rfc3339_utc_with_milliseconds_and_z() -> None:
    assert format_timestamp(datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)) == (
        "2025-01-01T00:00:00.123Z"
    )
    assert format_timestamp(datetime(2025, 1, 1, tzinfo=UTC)) == "2025-01-01T00:00:00.000Z"


def test_timestamp_in_another_zone_is_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2025, 1, 1, 1, 30, 0, 5000, tzinfo=paris)
    assert format_timestamp(moment) == "2025-01-01T00:30:00.005Z"


def test_wire_object_has_exactly_the_public_fields() -> None:
    wire = _event().to_wire()
    assert wire == {
        "seq": 7,
        "job_id": "job_1",
        "type": "step.completed",
        "status": "RUNNING",
        "timestamp": "2025-01-01T00:00:00.123Z",
        "data": {"step": "create pet", "passed": True},
    }


def test_ndjson_line_is_one_json_object_and_a_newline() -> None:
    line = _event().to_ndjson()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert orjson.loads(line) == _event().to_wire()


def test_heartbeat_has_no_seq_and_no_data() -> None:
    beat = heartbeat_wire("job_1", "RUNNING", datetime(2025, 1, 1, 0, 0, 15, tzinfo=UTC))
    assert beat == {
        "job_id": "job_1",
        "type": "heartbeat",
        "status": "RUNNING",
        "timestamp": "2025-01-01T00:00:15.000Z",
    }
