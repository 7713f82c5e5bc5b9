"""The command line's own surface: --version, shell completion, help texts that read as
sentences (no line break from the source in the middle of one)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.client.help import reflow

GAUNTLET = [sys.executable, "-m", "orchestrator.cli"]
# Completion scripts name the program they complete: the installed console script.
INSTALLED = str(Path(sys.executable).parent / "gauntlet")


def commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``group`` (typer's click objects), by path."""
    found = []
    for name, command in group.commands.items():
        found.append(((*prefix, name), command))
        if hasattr(command, "commands"):
            found += commands(command, (*prefix, name))
    return found


EVERY_COMMAND = commands(typer.main.get_command(app))


def test_version_prints_the_package_version() -> None:
    result = subprocess.run([*GAUNTLET, "--version"], capture_output=True, text=True, timeout=60)
    from importlib.metadata import version

    assert result.returncode == 0 and result.stdout == f"gauntlet {version('gauntlet')}\n"


# What only each shell's completion script holds.
COMPLETION_MARK = {
    "bash": "_GAUNTLET_COMPLETE=complete_bash",
    "zsh": "#compdef gauntlet",
    "fish": "_GAUNTLET_COMPLETE=complete_fish",
    "powershell": "complete_powershell",
}


def test_completion_is_shown_for_the_shell_it_is_typed_in() -> None:
    # --show-completion (like --install-completion) finds the shell among the processes
    # above it; the command after it keeps bash from exec'ing gauntlet in its place.
    result = subprocess.run(
        ["bash", "-c", f"'{INSTALLED}' --show-completion; exit $?"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert COMPLETION_MARK["bash"] in result.stdout


@pytest.mark.parametrize("shell", COMPLETION_MARK)
def test_completion_script_is_offered_for_common_shells(shell: str) -> None:
    # Typer's switch from detecting the shell to naming it: then ``--show-completion``
    # takes the shell as its value (detected, a name after it would be ignored).
    env = os.environ | {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = subprocess.run(
        [INSTALLED, "--show-completion", shell],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert COMPLETION_MARK[shell] in result.stdout


def test_completion_completes_subcommands() -> None:
    env = {"_GAUNTLET_COMPLETE": "complete_bash", "COMP_WORDS": "gauntlet jo", "COMP_CWORD": "1"}
    result = subprocess.run(
        [INSTALLED],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "jobs" in result.stdout


@pytest.mark.parametrize(
    ("path", "command"), EVERY_COMMAND, ids=[" ".join(p) for p, _ in EVERY_COMMAND]
)
def test_help_shows_each_paragraph_on_one_line(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "3000"})

    assert result.exit_code == 0, result.output
    text = command.help or ""
    assert text, f"gauntlet {' '.join(path)} has no help"
    shown = [" ".join(line.strip(" │").split()) for line in result.output.splitlines()]
    for paragraph in text.split("\n\n"):
        # Wide enough for any paragraph: each must be one line of the help screen.
        assert " ".join(paragraph.split()) in shown, paragraph


def test_reflow_joins_lines_of_a_paragraph_and_keeps_paragraphs() -> None:
    doc = """First line
        goes on here.

        Second paragraph
        also."""
    assert reflow(doc) == "First line goes on here.\n\nSecond paragraph also."
    assert reflow(inspect.cleandoc(doc)) == reflow(doc)
