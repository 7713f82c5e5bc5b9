"""Text that any report can carry: characters XML 1.0 forbids made visible, long values cut.

Suite names, step names, reasons and error messages come from users and from untrusted
targets. XML 1.0 allows only tab, newline, carriage return and the ranges
``#x20-#xD7FF``, ``#xE000-#xFFFD`` and ``#x10000-#x10FFFF``: a NUL, an ESC of a terminal
colour code, a lone surrogate out of a JSON ``\\ud800`` or ``U+FFFE`` make a JUnit file
that CI systems refuse. Each such character is replaced by its escape as text
(``\\x1b``, ``\\ud800``), so the report stays well-formed and still shows what was there.
The HTML report uses the same cleaning.
"""

from __future__ import annotations

import json
import re
from typing import Any

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by its visible escape."""
    return _NOT_XML.sub(_escape, text)


def cut(text: str, limit: int) -> str:
    """``text`` itself, or its first ``limit`` characters and how many there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters in all)"


def shown(value: Any, limit: int = 2000) -> str:
    """A value as a report shows it: JSON for data, strings as they are."""
    if isinstance(value, str):
        return cut(value, limit)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    return cut(text, limit)
