"""Progress as a person at a terminal sees it: a live line per running suite, redrawn in
place, and permanent lines as suites end (the plain form for CI logs is checked with
every other command, whose stdout is a pipe)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
import threading

import httpx

from tests.e2e.cli.conftest import GAUNTLET, Cli
from tests.e2e.cli.suites import failing_suite, slow_suite
from tests.support.factories import create_app_with_suites, health_suite
from tests.support.pets_target import PetsTarget


def run_in_terminal(cli: Cli, *args: str) -> tuple[int, str]:
    """Run the command with its stdout on a pseudo-terminal of 120 columns; its exit code
    and everything it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal's other end closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with subprocess.Popen(
        [*GAUNTLET, *args], env=cli.env(), cwd=cli.cwd, stdout=slave, stderr=subprocess.PIPE
    ) as process:
        os.close(slave)
        process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    return process.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_terminal_gets_live_suite_lines_redrawn_in_place(
    cli: Cli, http: httpx.Client, target: PetsTarget
) -> None:
    app, _ = create_app_with_suites(
        http, target.url, slow_suite("slow one", steps=6, ms=150), health_suite(), failing_suite()
    )

    code, screen = run_in_terminal(cli, "run", "--app", app)

    assert code == 1
    assert "\x1b[" in screen  # cursor moves and colours: a live display
    assert "\x1b[J" in screen  # the live block is cleared before each redraw
    assert re.search(r"slow one  [1-5] step\(s\)", screen)  # its live line while it ran
    assert "\x1b[32m✓\x1b[0m health  1 step(s)" in screen
    assert "\x1b[31m✗\x1b[0m health is 201  1 step(s), 1 failed" in screen
    assert "START " not in screen  # plain-log lines are for pipes only
    assert "FAILED: 2 of 3 suite(s) passed" in screen
