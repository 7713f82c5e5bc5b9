"""Sending a step's request again, exactly as the run sent it, to see what varies.

The request comes from the report (the URL, headers and body as sent, templates already
rendered), not from the suite: re-rendering would need the variables of earlier steps.
Reports mask credentials, so masked headers and query parameters are dropped and the
client adds the app's auth again; a request whose body was cut or masked in the report
cannot be rebuilt and is not re-sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from runner import (
    MASK,
    Masker,
    ObservedResponse,
    OutgoingRequest,
    RecordedRequest,
    TargetClient,
    TargetError,
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Samples:
    """Responses to identical re-sent requests (masked like a report), or why none."""

    responses: list[ObservedResponse] = field(default_factory=list)
    skipped: str | None = None


def rebuild(recorded: RecordedRequest) -> OutgoingRequest | str:
    """The request to send again, or why it cannot be rebuilt from the report."""
    body: bytes | None = None
    if recorded.body is not None:
        body = recorded.body.encode()
        if len(body) != recorded.body_size:
            return "its body was cut (or is not text) in the report"
        if MASK in recorded.body:
            return "its body holds a masked secret"
    headers = {name: value for name, value in recorded.headers.items() if MASK not in value}
    return OutgoingRequest(recorded.method, _unmasked_url(recorded.url), headers, body)


def resend(client: TargetClient, recorded: RecordedRequest, times: int, *, unsafe: bool) -> Samples:
    """Send ``recorded`` ``times`` times; unsafe methods only when ``unsafe``."""
    if times < 2:
        return Samples(skipped="re-sending is off (noise_samples below 2)")
    if recorded.method not in SAFE_METHODS and not unsafe:
        return Samples(skipped=f"{recorded.method} is not re-sent unless resend_unsafe is set")
    request = rebuild(recorded)
    if isinstance(request, str):
        return Samples(skipped=f"the request cannot be re-sent: {request}")
    responses = []
    for _ in range(times):
        try:
            responses.append(_masked(client.send(request), client.masker))
        except TargetError as exc:
            return Samples(skipped=f"re-sending failed: {client.masker.text(exc.message)}")
    statuses = sorted({r.status for r in responses})
    if len(statuses) > 1:
        return Samples(skipped=f"identical calls answered different statuses {statuses}")
    return Samples(responses)


def _masked(observed: ObservedResponse, masker: Masker) -> ObservedResponse:
    # Compared with each other and with the report, so masked the same way the report is.
    return ObservedResponse(
        status=observed.status,
        headers=masker.headers(observed.headers),
        body=masker.text(observed.text).encode() if masker.secrets else observed.body,
        elapsed_ms=observed.elapsed_ms,
        truncated=observed.truncated,
    )


def _unmasked_url(url: str) -> str:
    parts = urlsplit(url)
    if MASK not in url or not parts.query:
        return url
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if MASK not in v]
    return urlunsplit(parts._replace(query=urlencode(pairs, quote_via=quote)))
