"""Secrets never reach a log line."""

from __future__ import annotations

from orchestrator.logging import REDACTED, redact_secrets

KEY = "gnt_" + "k" * 43


def test_key_inside_any_string_is_redacted() -> None:
    event = redact_secrets(None, "info", {"event": "x", "note": f"used {KEY} today"})
    assert KEY not in str(event) and REDACTED in event["note"]


def test_secret_named_fields_are_redacted_at_any_depth() -> None:
    event = redact_secrets(
        None,
        "info",
        {
            "event": "x",
            "request": {"headers": {"Authorization": "Bearer abc.def", "Accept": "json"}},
            "password": "pw",
        },
    )
    assert event["request"]["headers"] == {"Authorization": REDACTED, "Accept": "json"}
    assert event["password"] == REDACTED


def test_bearer_token_in_free_text_is_redacted() -> None:
    event = redact_secrets(
        None, "info", {"event": "x", "detail": "sent Bearer abcdefgh123 to target"}
    )
    assert "abcdefgh123" not in event["detail"]
