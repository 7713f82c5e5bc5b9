"""Where progress goes: plain lines for CI logs, or, on a terminal, permanent lines
above a small live block redrawn in place (a line per running suite, say).

Plain mode never writes a control sequence, so a CI log reads like any other; live mode
is chosen only when stdout is a terminal.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

# Redraws of the live block per second at most; a permanent line forces one.
MAX_REDRAWS_PER_S = 10
CLEAR_BELOW = "\x1b[J"


def is_terminal(stream: TextIO) -> bool:
    """True when ``stream`` is an interactive terminal that understands cursor moves."""
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


class Screen:
    def __init__(self, out: TextIO | None = None, live: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.live = is_terminal(self.out) if live is None else live
        self._block: list[str] = []
        self._drawn = 0
        self._last_draw = 0.0

    def style(self, text: str, color: str | None = None, bold: bool = False) -> str:
        """``text`` in a colour on a terminal; as it is in plain mode."""
        if not self.live or (color is None and not bold):
            return text
        codes = {"red": "31", "green": "32", "yellow": "33", "dim": "2"}
        prefix = ("1;" if bold else "") + (codes[color] if color else "")
        return f"\x1b[{prefix.rstrip(';')}m{text}\x1b[0m"

    def line(self, text: str) -> None:
        """A permanent line (above the live block on a terminal)."""
        if not self.live:
            self.out.write(text + "\n")
            self.out.flush()
            return
        self._redraw([text])

    def block(self, lines: list[str]) -> None:
        """Replace the live block (ignored in plain mode)."""
        if not self.live:
            return
        self._block = lines
        if time.monotonic() - self._last_draw >= 1 / MAX_REDRAWS_PER_S:
            self._redraw([])

    def close(self) -> None:
        """Remove the live block, leaving the permanent lines."""
        if self.live:
            self._block = []
            self._redraw([])

    def _redraw(self, permanent: list[str]) -> None:
        width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
        parts = []
        if self._drawn:
            parts.append(f"\x1b[{self._drawn}F{CLEAR_BELOW}")
        parts += [text + "\n" for text in permanent]
        # Cut to the width: a wrapped line would throw off the count of lines to move up.
        parts += [_fit(text, width) + "\n" for text in self._block]
        self.out.write("".join(parts))
        self.out.flush()
        self._drawn = len(self._block)
        self._last_draw = time.monotonic()


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` visible characters (escape sequences do not count)."""
    visible, out, i = 0, [], 0
    while i < len(text):
        if text[i] == "\x1b":
            end = text.find("m", i)
            if end != -1:
                out.append(text[i : end + 1])
                i = end + 1
                continue
        if visible >= width:
            out.append("\x1b[0m")
            break
        out.append(text[i])
        visible += 1
        i += 1
    return "".join(out)
