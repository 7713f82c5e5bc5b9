"""Tables for people: a header, columns aligned, nothing else (``--json`` is for machines)."""

from __future__ import annotations

from collections.abc import Sequence

import typer


def render(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The table as text: the header, then one line per row, columns two spaces apart."""
    cells = [[str(c) for c in header], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    return "\n".join(lines)


def echo(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    typer.echo(render(header, rows))
