"""From a step's request template to the exact bytes to send.

Rendering (``{{var}}``), URL joining, query and body encoding live here, apart from
any HTTP client, so the runner's httpx client and the Locust users send the same thing.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from runner.suite import AnyAssertion, Request
from runner.templating import has_placeholder, render, to_text

_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_JSON = "application/json"


@dataclass(frozen=True)
class OutgoingRequest:
    """A request ready to send: ``url`` is absolute and carries the query string."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` in any case, or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def with_headers(self, extra: Mapping[str, str], *, override: bool = False) -> OutgoingRequest:
        """A copy with ``extra`` headers added; existing names win unless ``override``."""
        merged = dict(self.headers)
        for name, value in extra.items():
            same = [k for k in merged if k.lower() == name.lower()]
            if same and not override:
                continue
            for key in same:
                del merged[key]
            merged[name] = value
        return replace(self, headers=merged)


def build_request(request: Request, variables: Mapping[str, Any], base_url: str) -> OutgoingRequest:
    """Render ``request`` with ``variables`` and encode it against ``base_url``.

    Raises :class:`~runner.templating.TemplateError` for an unknown variable.
    """
    path = to_text(render(request.path, variables))
    query = render(request.query, variables)
    headers = {str(k): to_text(v) for k, v in render(request.headers, variables).items()}
    body = render(request.body, variables)
    url = add_query(join_url(base_url, path), encode_query(query))
    content, content_type = encode_body(body, request.content_type)
    if content_type and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = content_type
    return OutgoingRequest(method=request.method, url=url, headers=headers, body=content)


def join_url(base_url: str, path: str) -> str:
    """``base_url`` + ``path``; an absolute ``http(s)://`` path (e.g. a followed link) wins."""
    if path.lower().startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def encode_query(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs: lists repeat the key, ``None`` is left out, booleans read true/false."""
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                pairs.append((str(key), to_text(item)))
    return pairs


def add_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """``url`` with ``pairs`` appended to its query string."""
    if not pairs:
        return url
    fragment = ""
    if "#" in url:
        url, fragment = url.split("#", 1)
        fragment = "#" + fragment
    joiner = "&" if "?" in url else "?"
    return url + joiner + urlencode(pairs, quote_via=quote) + fragment


def encode_body(body: Any, content_type: str | None) -> tuple[bytes | None, str | None]:
    """The bytes and Content-Type for ``body`` sent as ``content_type`` (JSON by default)."""
    if body is None:
        return None, None
    kind = (content_type or _JSON).split(";")[0].strip().lower()
    if kind == _FORM and isinstance(body, Mapping):
        return urlencode(encode_query(body)).encode(), content_type
    if kind == _MULTIPART and isinstance(body, Mapping):
        return _multipart(body)
    if kind.endswith("json") or kind.endswith("+json"):
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return text.encode(), content_type or _JSON
    return to_text(body).encode(), content_type


def _multipart(fields: Mapping[str, Any]) -> tuple[bytes, str]:
    boundary = "gauntlet-" + secrets.token_hex(12)
    out: list[bytes] = []
    for name, value in encode_query(fields):
        safe = name.replace('"', "%22").replace("\r", "").replace("\n", "")
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{safe}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"{_MULTIPART}; boundary={boundary}"


def render_assertions(
    assertions: Sequence[AnyAssertion], scope: Mapping[str, Any]
) -> list[AnyAssertion]:
    """Expected values may use variables too ("$.id eq {{petId}}"); only string values
    holding a placeholder are rendered, so plain regexes and values stay untouched."""
    rendered: list[AnyAssertion] = []
    for assertion in assertions:
        expected = getattr(assertion, "expected", None)
        if is_templated(expected):
            assertion = assertion.model_copy(update={"expected": render(expected, scope)})
        rendered.append(assertion)
    return rendered


def is_templated(value: Any) -> bool:
    """Whether ``value`` (a string, or lists and objects of them) holds a placeholder."""
    if isinstance(value, str):
        return has_placeholder(value)
    if isinstance(value, list):
        return any(is_templated(item) for item in value)
    if isinstance(value, dict):
        return any(is_templated(item) for item in value.values())
    return False
