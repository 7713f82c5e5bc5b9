"""Which representation of a run or load test a request asks for: ``?format=`` first,
then the ``Accept`` header, else the JSON envelope every route answers with.

The report formats are documents to save (``curl … > junit.xml``), so they are served
as they are, without the envelope.
"""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

from orchestrator.reports.html import CSP

ReportFormat = Literal["json", "junit", "html"]
Chosen = Literal["envelope", "json", "junit", "html"]

# Media types a client may ask for, per format; the first is what the answer carries.
MEDIA_TYPES: dict[ReportFormat, tuple[str, ...]] = {
    "junit": ("application/xml", "text/xml", "application/junit+xml"),
    "html": ("text/html", "application/xhtml+xml"),
    "json": ("application/vnd.gauntlet.run-report+json",),
}
ENVELOPE_TYPES = ("application/json", "*/*", "application/*")
# The answer depends on Accept: caches must key on it.
VARY = {"Vary": "Accept"}


def _accepted(accept: str) -> list[tuple[float, int, str]]:
    """``(q, position, media type)`` for each entry of an Accept header."""
    entries = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            entries.append((q, position, media.lower()))
    return entries


def choose(
    format: ReportFormat | None, accept: str | None, offered: tuple[ReportFormat, ...]
) -> Chosen:
    """The representation to answer with: ``format`` when given, else the most preferred
    entry of ``accept`` among ``offered`` formats and the envelope (ties: the earlier
    entry), else the envelope."""
    if format is not None:
        return format
    best: tuple[float, int] | None = None
    chosen: Chosen = "envelope"
    for q, position, media in _accepted(accept or ""):
        if media in ENVELOPE_TYPES:
            candidate: Chosen | None = "envelope"
        else:
            candidate = next((f for f in offered if media in MEDIA_TYPES[f]), None)
        if candidate is None:
            continue
        rank = (-q, position)
        if best is None or rank < best:
            best, chosen = rank, candidate
    return chosen


def document(body: bytes, chosen: ReportFormat, filename: str) -> Response:
    """A report document as the answer, with its media type and a file name to save as."""
    headers = {**VARY, "Content-Disposition": f'inline; filename="{filename}"'}
    media = MEDIA_TYPES[chosen][0]
    if chosen == "html":
        headers["Content-Security-Policy"] = CSP
    return Response(body, media_type=media, headers=headers)
