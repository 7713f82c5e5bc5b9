"""Job parameters as the API shows them (issue 12, item 7): run variables by name only,
URLs without user info; everything else as stored."""

from __future__ import annotations

from orchestrator.services.jobs import shown_params
from runner import MASK


def test_variables_and_url_user_info_are_not_shown() -> None:
    stored = {
        "base_url": "https://ci:pa55@api.example.com/v1",
        "variables": {"token": "t0ken", "petId": 3},
        "test_suite_ids": ["s1"],
        "virtual_users": 5,
    }
    shown = shown_params(stored)
    assert shown == {
        "base_url": f"https://{MASK}@api.example.com/v1",
        "variables": {"token": MASK, "petId": MASK},
        "test_suite_ids": ["s1"],
        "virtual_users": 5,
    }
    assert stored["variables"] == {"token": "t0ken", "petId": 3}  # the stored ones kept


def test_parameters_without_secrets_are_shown_as_they_are() -> None:
    stored = {"base_url": "http://127.0.0.1:9000", "document_id": "d", "max_test_suites": 3}
    assert shown_params(stored) == stored
