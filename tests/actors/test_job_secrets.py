"""The secrets of a job (issue 12, item 3): what the job's masker knows for each auth
type and for the user info of its URLs."""

from __future__ import annotations

import base64

import pytest

from actors.job_secrets import job_masker
from runner import MASK


@pytest.mark.parametrize(
    ("auth", "secrets"),
    [
        ({"type": "bearer", "token": "b3arer-tok"}, ["b3arer-tok"]),
        (
            {"type": "basic", "username": "ann", "password": "pa55-word"},
            ["pa55-word", base64.b64encode(b"ann:pa55-word").decode()],
        ),
        ({"type": "header", "name": "X-Key", "value": "h3ader-val"}, ["h3ader-val"]),
        ({"type": "query", "name": "key", "value": "qu3ry-val"}, ["qu3ry-val"]),
    ],
    ids=["bearer", "basic", "header", "query"],
)
def test_every_auth_type_is_masked(auth: dict[str, str], secrets: list[str]) -> None:
    masker = job_masker(auth)
    for secret in secrets:
        assert masker.value({"k": [f"<{secret}>"]}) == {"k": [f"<{MASK}>"]}


def test_the_user_info_of_the_urls_is_masked() -> None:
    masker = job_masker(None, ("https://ci:url-pa55@h.example/", None, "https://t0ken-user@x/"))
    assert masker.text("url-pa55 t0ken-user ci:url-pa55") == f"{MASK} {MASK} {MASK}"


def test_an_unreadable_auth_masks_nothing_rather_than_failing() -> None:
    assert not job_masker({"type": "unknown"})
