"""Reading untrusted document nodes: a field of the wrong JSON type reads as absent."""

from __future__ import annotations

from typing import Any


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


class Missing:
    """Marks 'no example in the document' (None is a legitimate example)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = Missing()
