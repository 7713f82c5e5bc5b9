"""The client's pieces that need no server: thresholds, variables, tables, errors, the
screen in its two modes."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from orchestrator.client.errors import ClientError, Exit, worst
from orchestrator.client.follow import exit_for
from orchestrator.client.http import api_error
from orchestrator.client.load_cmd import parse_threshold
from orchestrator.client.options import variables
from orchestrator.client.screen import Screen
from orchestrator.client.tables import render


@pytest.mark.parametrize(
    ("text", "threshold"),
    [
        ("p95_ms<=300", {"metric": "p95_ms", "op": "lte", "value": 300.0}),
        (" rps > 10.5 ", {"metric": "rps", "op": "gt", "value": 10.5}),
        ("error_rate<1%", {"metric": "error_rate", "op": "lt", "value": 0.01}),
        ("avg_ms==2e2", {"metric": "avg_ms", "op": "eq", "value": 200.0}),
        (
            "GET /pets/{{id}} p99_ms<500",
            {"metric": "p99_ms", "op": "lt", "value": 500.0, "endpoint": "GET /pets/{{id}}"},
        ),
        (
            "post /pets min_ms>=1",
            {"metric": "min_ms", "op": "gte", "value": 1.0, "endpoint": "POST /pets"},
        ),
    ],
)
def test_thresholds_read_like_k6(text: str, threshold: dict[str, object]) -> None:
    assert parse_threshold(text) == threshold


@pytest.mark.parametrize("text", ["p95<=3", "p95_ms=>3", "p95_ms<=", "<=3", "p95_ms <= x", ""])
def test_a_threshold_that_is_not_one_names_itself(text: str) -> None:
    with pytest.raises(ClientError) as caught:
        parse_threshold(text)
    assert repr(text) in caught.value.message


def test_variables_come_from_the_env_file_then_var(tmp_path: Path) -> None:
    env = tmp_path / "ci.env"
    env.write_text('# comment\nexport A=1\nB="two words"\nC=3\nEMPTY\n')

    assert variables(env, ["C=override", "D=a=b"]) == {
        "A": "1",
        "B": "two words",
        "C": "override",
        "D": "a=b",
    }
    with pytest.raises(ClientError):
        variables(None, ["=x"])


def test_tables_align_columns_under_a_header() -> None:
    assert render(["ID", "NAME"], [["a", "long name"], ["bbbb", None]]) == (
        "ID    NAME\na     long name\nbbbb"
    )


def test_exit_codes_follow_how_the_job_ended() -> None:
    assert exit_for({"job_status": "COMPLETED"}) == Exit.PASSED
    assert exit_for({"job_status": "FAILED", "result": {"status": "FAILED"}}) == Exit.FAILED
    assert exit_for({"job_status": "FAILED", "result": None, "error": "boom"}) == Exit.USAGE
    assert (
        exit_for({"job_status": "STOPPED"}) == exit_for({"job_status": "CANCELLED"}) == Exit.STOPPED
    )
    assert worst([Exit.PASSED, Exit.FAILED, Exit.STOPPED]) == Exit.STOPPED
    assert worst([Exit.FAILED, Exit.USAGE, Exit.STOPPED]) == Exit.USAGE
    assert worst([]) == Exit.PASSED


def answer(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://x/client/v1/apps"), **kwargs)  # type: ignore[arg-type]


def test_api_errors_say_code_message_and_fields() -> None:
    error = api_error(
        answer(
            400,
            json={
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "bad",
                    "details": [
                        {"field": "base_url", "message": "not a URL"},
                        {"field": None, "message": "x"},
                    ],
                }
            },
        )
    )
    assert error.message == "400 VALIDATION_ERROR: bad"
    assert error.details == ["base_url: not a URL", "x"]
    assert error.code == Exit.USAGE


def test_an_answer_that_is_not_gauntlets_says_so() -> None:
    assert api_error(answer(502, text="<html>bad gateway</html>")).message == (
        "the server answered 502 Bad Gateway"
    )
    assert "is this a Gauntlet server?" in api_error(answer(404, text="Not Found")).message


def test_plain_screen_writes_lines_and_no_control_sequence() -> None:
    out = io.StringIO()
    screen = Screen(out, live=False)

    screen.line("one")
    screen.block(["live"])
    screen.line(screen.style("two", "red", bold=True))
    screen.close()

    assert out.getvalue() == "one\ntwo\n"


def test_live_screen_redraws_its_block_under_the_permanent_lines() -> None:
    out = io.StringIO()
    screen = Screen(out, live=True)

    screen.block(["a running", "b running"])
    screen.line("a done")
    screen.close()

    text = out.getvalue()
    assert text.startswith("a running\nb running\n")
    assert "\x1b[2F\x1b[Ja done\na running\nb running\n" in text
    assert text.endswith("\x1b[2F\x1b[J")  # the block is gone, the lines stay
