"""HAR captures (a browser's network log, HAR 1.2) as suites.

- One suite per origin the page talked to (most requests first), its steps in the order
  the requests were sent, each expecting the status it got. A run gives the base URL,
  so each suite's origin is reported as its ``--base-url``.
- What a replay must not or cannot send is left out and reported: static assets
  (images, styles, scripts, fonts), ``data:``/``blob:`` URLs, requests that never got an
  answer, headers the browser manages (user agent, cache validators, ``sec-*``…), and
  credentials (cookies, ``Authorization``: they belong in the app's auth).
- Values a later request reuses from an earlier JSON answer (an id in a path, a token in
  a body) become extractions and ``{{variables}}``, so the replay follows the new ids
  instead of the recorded ones.
- A redirect followed by the browser is one step that expects the final status.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from orchestrator.client.importers.common import (
    HTTP_METHODS,
    Imported,
    ImportFailed,
    build_suite,
    name,
)

STATIC_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".ico",
    ".webp",
    ".avif",
    ".css",
    ".js",
    ".mjs",
    ".map",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".eot",
)
STATIC_TYPES = ("image/", "font/", "text/css", "javascript", "application/wasm")
# Headers the browser sets on its own; a replay gets its own.
BROWSER_HEADERS = frozenset(
    {
        "host",
        "connection",
        "content-length",
        "accept-encoding",
        "user-agent",
        "origin",
        "referer",
        "accept-language",
        "cache-control",
        "pragma",
        "dnt",
        "priority",
        "te",
        "upgrade-insecure-requests",
        "if-none-match",
        "if-modified-since",
        "purpose",
        "sec-purpose",
        "x-devtools-emulate-network-conditions-client-id",
    }
)
CREDENTIAL_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization", "x-api-key"})
# JSON keys whose values are worth following into later requests, whatever their length.
_ID_KEY = re.compile(r"(?i)^(id|uuid|guid|slug|key|token|[a-z0-9]*[_-]?id|.*Id|.*_token|.*Token)$")
# Values shorter than this are followed only when their key looks like an identifier.
MIN_FREE_VALUE = 12


@dataclass
class _Source:
    step: int
    path: str
    variable: str


@dataclass
class _Origin:
    steps: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, _Source] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)


def import_har(document: Any, title: str = "har", label: str = "har") -> Imported:
    """The suites of a HAR document (parsed JSON). Raises ImportFailed when it is not one."""
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise ImportFailed("not a HAR file: no log.entries")
    entries = [
        e for e in log["entries"] if isinstance(e, dict) and isinstance(e.get("request"), dict)
    ]
    entries.sort(key=lambda e: str(e.get("startedDateTime", "")))
    imported = Imported()
    skipped: Counter[str] = Counter()
    dropped_headers: set[str] = set()
    origins: dict[str, _Origin] = {}
    follow_ups: set[int] = set()
    for position, entry in enumerate(entries):
        if position in follow_ups:
            continue
        request, response = entry["request"], entry.get("response") or {}
        url = str(request.get("url", ""))
        parts = urlsplit(url)
        method = str(request.get("method", "GET")).upper()
        where = f"{method} {url[:200]}"
        if parts.scheme not in ("http", "https"):
            skipped[f"{parts.scheme or 'unknown'}: URLs"] += 1
            continue
        if _is_static(parts.path, response):
            skipped["static assets (images, styles, scripts, fonts)"] += 1
            continue
        status = int(response.get("status") or 0)
        if status == 0:
            imported.note(where, "left out: no answer was recorded (blocked or failed)")
            continue
        if method not in HTTP_METHODS:
            imported.note(where, f"left out: method {method} is not supported")
            continue
        target = response.get("redirectURL")
        if 300 <= status < 400 and target:
            final = _redirect_target(entries, position, url, str(target))
            if final is not None:
                follow_ups.add(final)
                status = int((entries[final].get("response") or {}).get("status") or status)
                response = entries[final].get("response") or response
                imported.note(where, f"redirect to {target} followed: the step expects {status}")
        origin = f"{parts.scheme}://{parts.netloc}"
        state = origins.setdefault(origin, _Origin())
        step = _step(request, parts, status, state, dropped_headers, imported, where)
        state.steps.append(step)
        _remember(state, len(state.steps) - 1, _json_of(response.get("content") or {}))
    for what, count in sorted(skipped.items()):
        imported.note("", f"left out {count} request(s): {what}")
    if dropped_headers:
        imported.note("", f"browser-managed headers left out: {', '.join(sorted(dropped_headers))}")
    for origin, state in sorted(origins.items(), key=lambda o: -len(o[1].steps)):
        imported.base_urls[origin] += len(state.steps)
        suite_title = f"{title} {origin}" if len(origins) > 1 else title
        build_suite(name(suite_title, "har"), state.steps, {}, [label], imported)
    return imported


def _is_static(path: str, response: dict[str, Any]) -> bool:
    mime = str((response.get("content") or {}).get("mimeType", "")).lower()
    return path.lower().endswith(STATIC_SUFFIXES) or any(t in mime for t in STATIC_TYPES)


def _redirect_target(
    entries: list[dict[str, Any]], position: int, url: str, target: str
) -> int | None:
    """The entry the browser sent to follow a redirect, if it is the next one there."""
    absolute = target if "://" in target else f"{'/'.join(url.split('/')[:3])}{target}"
    for index in range(position + 1, min(position + 4, len(entries))):
        if str(entries[index]["request"].get("url")) == absolute:
            return index
    return None


def _json_of(content: dict[str, Any]) -> Any:
    text = content.get("text")
    if not isinstance(text, str) or "json" not in str(content.get("mimeType", "")).lower():
        return None
    if content.get("encoding") == "base64":
        try:
            text = base64.b64decode(text).decode("utf-8")
        except ValueError:
            return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _leaves(value: Any, path: str = "$", key: str = "") -> list[tuple[str, str, str]]:
    """``(json path, key, value as text)`` of the scalar leaves of a JSON value."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            simple = re.fullmatch(r"[A-Za-z_][\w]*", k)
            out += _leaves(v, f"{path}.{k}" if simple else f"{path}['{k}']", k)
        return out
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value[:50]) for leaf in _leaves(v, f"{path}[{i}]", key)]
    if isinstance(value, bool) or value is None:
        return []
    return [(path, key, str(value))]


def _remember(state: _Origin, step: int, body: Any) -> None:
    """Note the values of an answer that a later request may reuse."""
    for path, key, text in _leaves(body):
        if _ID_KEY.match(key) or len(text) >= MIN_FREE_VALUE:
            base = re.sub(r"\W", "_", key) or "value"
            state.values[text] = _Source(step, path, f"{base}_{step + 1}")


def _use(state: _Origin, text: str) -> str | None:
    """``{{variable}}`` for a value an earlier answer gave, and its extraction set up."""
    source = state.values.get(text)
    if source is None:
        return None
    extract = state.steps[source.step].setdefault("extract", {})
    extract[source.variable] = source.path
    return "{{" + source.variable + "}}"


def _step(
    request: dict[str, Any],
    parts: Any,
    status: int,
    state: _Origin,
    dropped: set[str],
    imported: Imported,
    where: str,
) -> dict[str, Any]:
    method = str(request.get("method", "GET")).upper()
    segments = [(_use(state, s) or s) if s else s for s in parts.path.split("/")]
    path = "/".join(segments) or "/"
    query: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        value = _use(state, value) or value
        query[key] = value if key not in query else [*_as_list(query[key]), value]
    headers: dict[str, str] = {}
    for header in request.get("headers") or []:
        if not isinstance(header, dict):
            continue
        header_name = str(header.get("name", ""))
        lower = header_name.lower()
        if not header_name or lower.startswith(":"):
            continue
        if lower in CREDENTIAL_HEADERS:
            imported.note(where, f"{lower} header left out: set the app's auth instead")
        elif lower in BROWSER_HEADERS or lower.startswith("sec-"):
            dropped.add(lower)
        else:
            headers[header_name] = str(header.get("value", ""))
    step: dict[str, Any] = {
        "name": name(f"{method} {path}", "request"),
        "request": {"method": method, "path": path},
        "assertions": [{"type": "status_code", "expected": status}],
    }
    if query:
        step["request"]["query"] = query
    _body(request.get("postData"), headers, step, state, imported, where)
    if headers:
        step["request"]["headers"] = headers
    return step


def _body(
    post: Any,
    headers: dict[str, str],
    step: dict[str, Any],
    state: _Origin,
    imported: Imported,
    where: str,
) -> None:
    if not isinstance(post, dict):
        return
    mime = str(post.get("mimeType", "")).split(";")[0].strip().lower()
    text = post.get("text")
    request = step["request"]
    if isinstance(text, str) and text and "json" in mime:
        try:
            request["body"] = _substitute(json.loads(text), state)
        except ValueError:
            imported.note(where, "JSON body does not parse: sent as text")
            request["body"], request["content_type"] = text, mime
        return
    if post.get("params") or mime == "application/x-www-form-urlencoded":
        pairs = post.get("params") or [
            {"name": k, "value": v} for k, v in parse_qsl(text or "", keep_blank_values=True)
        ]
        if any(isinstance(p, dict) and p.get("fileName") for p in pairs):
            imported.note(where, "file upload left out")
        request["body"] = {
            str(p["name"]): str(p.get("value", ""))
            for p in pairs
            if isinstance(p, dict) and not p.get("fileName")
        }
        request["content_type"] = mime or "application/x-www-form-urlencoded"
        headers.pop("Content-Type", None)
        headers.pop("content-type", None)
        return
    if isinstance(text, str) and text:
        request["body"], request["content_type"] = text, mime or "text/plain"


def _substitute(value: Any, state: _Origin) -> Any:
    """A JSON body with values from earlier answers turned into ``{{variables}}``."""
    if isinstance(value, dict):
        return {k: _substitute(v, state) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, state) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    return _use(state, str(value)) or value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
