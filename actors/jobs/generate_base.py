"""Where the API's paths start, decided from the live API.

``base_url`` is where the paths start, as in Schemathesis's ``--url``. When the
document's server URL has a path (``https://api.example.com/v1`` -> ``/v1``) that the
base URL does not already end with, the target may serve at its root (a mock, a proxy
that strips the path) or below that path. Safe requests decide: a ``GET`` of a few
operations sent with and without the server path; the variant that answers something
other than 404 while the other answers 404 wins. Without such evidence the paths start
at the base URL. A request's ``base_path`` overrides all of this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from runner import OutgoingRequest, TargetError, join_url

# GET operations probed at most; each costs two requests.
MAX_PROBES = 3


@dataclass
class BasePathDecision:
    prefix: str  # put in front of every suite path ("" or "/v1")
    summary: str
    evidence: list[str] = field(default_factory=list)


def normalize(path: str) -> str:
    """``v1/`` -> ``/v1``; ``/`` and "" -> ""."""
    path = path.strip().strip("/")
    return f"/{path}" if path else ""


def probe_paths(operations: Sequence[str]) -> list[str]:
    """Paths of safe operations (``"METHOD /path"`` keys) to probe with: GETs without
    path parameters first (a 404 there can only mean "no such route"), then GETs with
    them filled in."""
    gets = [k.split(" ", 1)[1].split("#", 1)[0] for k in operations if k.startswith("GET /")]
    plain = [path for path in gets if "{" not in path]
    filled = [
        "/".join("1" if s.startswith("{") else s for s in path.split("/"))
        for path in gets
        if "{" in path
    ]
    return list(dict.fromkeys([*plain, *filled]))[:MAX_PROBES]


def decide_base_path(
    base_url: str,
    server_path: str,
    override: str | None,
    operations: Sequence[str],
    send: Callable[[OutgoingRequest], Any],
) -> BasePathDecision:
    """The prefix for suite paths. ``send`` sends one request (with the app's auth) and
    returns an object with ``status``; it may raise :class:`TargetError`."""
    if override is not None:
        prefix = normalize(override)
        return BasePathDecision(prefix, f"base_path {prefix or '(none)'} given in the request")
    server = normalize(server_path)
    if not server:
        return BasePathDecision("", "the document's server URL has no path")
    if urlsplit(base_url).path.rstrip("/").endswith(server):
        return BasePathDecision("", f"the base URL already ends with the server path {server}")
    evidence: list[str] = []
    for path in probe_paths(operations):
        with_server = _status(send, join_url(base_url, server + path))
        without = _status(send, join_url(base_url, path))
        evidence.append(f"GET {server}{path} -> {with_server}; GET {path} -> {without}")
        if with_server == 404 and isinstance(without, int) and without != 404:
            return BasePathDecision("", _found("at the base URL", server), evidence)
        if without == 404 and isinstance(with_server, int) and with_server != 404:
            return BasePathDecision(server, _found(f"below {server}", server), evidence)
    return BasePathDecision(
        "",
        f"no request told whether the paths start at the base URL or below {server}; "
        "they start at the base URL (give base_path to choose)",
        evidence,
    )


def _found(where: str, server: str) -> str:
    return f"the API answers {where} (the document's server path is {server})"


def _status(send: Callable[[OutgoingRequest], Any], url: str) -> int | str:
    try:
        return int(send(OutgoingRequest("GET", url, {"Accept": "application/json"})).status)
    except TargetError as exc:
        return f"no answer ({exc.kind})"
