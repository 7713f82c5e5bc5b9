"""NUL characters are refused at the door.

PostgreSQL cannot store NUL in text, so a name or a filter holding one would fail deep
in a query; SQLite would store it. Refusing it in the path, the query and JSON bodies
keeps both deployments alike and turns it into a clear 400.
"""

from __future__ import annotations

import re

_ESCAPED_NUL = re.compile(rb"(\\+)u0000", re.IGNORECASE)
# Bytes of a chunk kept to find an escape split across two chunks.
_CARRY = 64
NUL_MESSAGE = "NUL characters (\\u0000) are not accepted"


def json_has_nul(data: bytes) -> bool:
    r"""True when the JSON text holds ``\u0000`` as an escape (an odd run of backslashes
    before ``u0000``; an even run is a literal backslash followed by text)."""
    return any(len(m.group(1)) % 2 == 1 for m in _ESCAPED_NUL.finditer(data))


def url_has_nul(path: str, query_string: bytes) -> bool:
    return "\x00" in path or b"%00" in query_string.lower()


class BodyNulScanner:
    """Scans a body chunk by chunk, including escapes split between chunks."""

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, chunk: bytes) -> bool:
        window = self._carry + chunk
        self._carry = window[-_CARRY:]
        return json_has_nul(window)
