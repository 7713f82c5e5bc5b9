"""Postman collections (v2.1, and v2.0 which has the same shape) as suites.

- One suite per folder that holds requests (nested folders become suites of their own,
  named ``Collection / Folder / Sub``); requests at the top level form a suite named
  after the collection. Steps keep Postman's order.
- Collection variables become suite variables. A variable holding the base URL
  (``{{base_url}}/pets``) is dropped from paths: a run gives the base URL, and the
  values seen are suggested as ``--base-url``.
- Path variables (``/pets/:id``) become ``{{id}}``; query, headers, raw JSON,
  urlencoded, form-data text fields and GraphQL bodies are carried over; bearer, API
  key and basic auth (from the request, its folders or the collection) become headers
  when their values are variables, and are left out with a note when they are literal
  secrets (which belong in the app's auth, not in suite files).
- Test scripts: the common ``pm.*`` checks of status, headers, response time and JSON
  values become assertions, ``pm.*.set(name, <JSON value or header>)`` becomes an
  extraction. Every other line is reported, as are pre-request scripts.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import urlsplit

from orchestrator.client.importers import script
from orchestrator.client.importers.common import (
    HTTP_METHODS,
    Imported,
    ImportFailed,
    build_suite,
    dynamic_variables,
    json_body,
    name,
)

_WHOLE_VAR = re.compile(r"^\{\{\s*([\w.\-]+)\s*\}\}$")
_LEADING_VAR = re.compile(r"^\{\{\s*([\w.\-]+)\s*\}\}")


def import_postman(document: Any, label: str = "postman") -> Imported:
    """The suites of a Postman v2.x collection (parsed JSON). Raises ImportFailed when it
    is not one."""
    if not isinstance(document, dict) or not isinstance(document.get("item"), list):
        raise ImportFailed("not a Postman collection: no 'item' list")
    info = document.get("info") or {}
    schema = str(info.get("schema", ""))
    if schema and "/v2." not in schema:
        raise ImportFailed(f"not a Postman v2.x collection (schema {schema})")
    imported = Imported()
    variables = {
        str(v["key"]): v.get("value")
        for v in document.get("variable") or []
        if isinstance(v, dict) and v.get("key") and not v.get("disabled")
    }
    _Walk(imported, variables, label).folder(
        name(str(info.get("name", "collection")), "collection"),
        document["item"],
        auth=document.get("auth"),
        tests=_script(document, "test"),
        prerequests=_script(document, "prerequest"),
    )
    return imported


def _script(item: dict[str, Any], listen: str) -> list[str]:
    """The lines of an item's script for ``listen`` ("test" or "prerequest")."""
    lines: list[str] = []
    for event in item.get("event") or []:
        if isinstance(event, dict) and event.get("listen") == listen:
            exec_ = (event.get("script") or {}).get("exec") or []
            lines += exec_.splitlines() if isinstance(exec_, str) else [str(x) for x in exec_]
    return lines


class _Walk:
    def __init__(self, imported: Imported, variables: dict[str, Any], label: str) -> None:
        self.imported = imported
        self.variables = variables
        self.label = label
        self.base_vars: set[str] = set()

    def folder(
        self,
        title: str,
        items: list[Any],
        *,
        auth: Any,
        tests: list[str],
        prerequests: list[str],
    ) -> None:
        steps: list[dict[str, Any]] = []
        path_vars: dict[str, Any] = {}
        folders = []
        for item in items:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("item"), list):
                folders.append(item)
            elif "request" in item:
                step = self.request(title, item, auth, tests, prerequests, path_vars)
                if step is not None:
                    steps.append(step)
        if steps:
            kept = {k: v for k, v in self.variables.items() if k not in self.base_vars}
            build_suite(title, steps, {**kept, **path_vars}, [self.label], self.imported)
        for item in folders:
            self.folder(
                f"{title} / {item.get('name', 'folder')}",
                item["item"],
                auth=item.get("auth") or auth,
                tests=tests + _script(item, "test"),
                prerequests=prerequests + _script(item, "prerequest"),
            )

    def request(
        self,
        title: str,
        item: dict[str, Any],
        inherited_auth: Any,
        tests: list[str],
        prerequests: list[str],
        path_vars: dict[str, Any],
    ) -> dict[str, Any] | None:
        step_name = name(str(item.get("name", "request")), "request")
        where = f"{title} > {step_name}"
        request = item["request"]
        if isinstance(request, str):
            request = {"method": "GET", "url": request}
        method = str(request.get("method", "GET")).upper()
        if method not in HTTP_METHODS:
            self.imported.note(where, f"left out: method {method} is not supported")
            return None
        path, query = self.url(request.get("url"), where, path_vars)
        if path is None:
            return None
        headers = {
            str(h["key"]): dynamic_variables(str(h.get("value", "")), self.imported, where)
            for h in request.get("header") or []
            if isinstance(h, dict) and h.get("key") and not h.get("disabled")
        }
        step: dict[str, Any] = {"name": step_name, "request": {"method": method, "path": path}}
        if query:
            step["request"]["query"] = query
        self.auth(request.get("auth") or inherited_auth, headers, step, where)
        if headers:
            step["request"]["headers"] = headers
        self.body(request.get("body"), headers, step, where)
        pre = [line for line in prerequests + _script(item, "prerequest") if line.strip()]
        if any(not line.strip().startswith("//") for line in pre):
            self.imported.note(where, f"pre-request script not run ({len(pre)} line(s))")
        mapped = script.translate(tests + _script(item, "test"))
        step["assertions"] = mapped.assertions
        if mapped.extract:
            step["extract"] = mapped.extract
        for line in mapped.unmapped:
            self.imported.note(where, f"test script line not mapped: {line}")
        return step

    def url(
        self, url: Any, where: str, path_vars: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]]:
        """The step's path (relative to the run's base URL) and query."""
        if isinstance(url, str):
            url = {"raw": url}
        if not isinstance(url, dict):
            self.imported.note(where, "left out: no URL")
            return None, {}
        raw = str(url.get("raw", ""))
        host = url.get("host")
        host_text = ".".join(host) if isinstance(host, list) else str(host or "")
        segments = url.get("path")
        if segments is None:
            rest = _LEADING_VAR.sub("", raw) if _LEADING_VAR.match(raw) else urlsplit(raw).path
            segments = [s for s in rest.split("?")[0].split("/") if s]
        elif isinstance(segments, str):
            segments = [s for s in segments.split("/") if s]
        self.origin(host_text or raw, url.get("protocol"), where)
        given = {
            str(v["key"]): v.get("value")
            for v in url.get("variable") or []
            if isinstance(v, dict) and v.get("key")
        }
        parts = []
        for segment in segments:
            text = segment.get("value", "") if isinstance(segment, dict) else str(segment)
            if not (text.startswith(":") and len(text) > 1):
                parts.append(text)
                continue
            value = given.get(text[1:])
            if isinstance(value, str) and _WHOLE_VAR.match(value):
                parts.append(value)  # :petId is {{petId}}: use the variable directly
            else:
                parts.append("{{" + text[1:] + "}}")
                if value is not None:
                    path_vars[text[1:]] = value
        path = dynamic_variables("/" + "/".join(parts), self.imported, where)
        query: dict[str, Any] = {}
        for entry in url.get("query") or []:
            if not isinstance(entry, dict) or not entry.get("key") or entry.get("disabled"):
                continue
            value = dynamic_variables(str(entry.get("value") or ""), self.imported, where)
            key = str(entry["key"])
            previous = query.get(key)
            query[key] = value if previous is None else [*_as_list(previous), value]
        return path, query

    def origin(self, host: str, protocol: Any, where: str) -> None:
        """Record where the request went: a base-URL variable, or a literal origin."""
        whole = _WHOLE_VAR.match(host) or _LEADING_VAR.match(host)
        if whole:
            var = whole.group(1)
            value = self.variables.get(var)
            self.base_vars.add(var)
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                self.imported.base_urls[value.rstrip("/")] += 1
            return
        if host:
            if "://" in host:
                parts = urlsplit(host)
                origin = f"{parts.scheme}://{parts.netloc}"
            else:
                origin = f"{protocol or 'https'}://{host}"
            self.imported.base_urls[origin] += 1

    def auth(self, auth: Any, headers: dict[str, str], step: dict[str, Any], where: str) -> None:
        if not isinstance(auth, dict) or auth.get("type") in (None, "noauth"):
            return
        kind = str(auth["type"])
        fields = {
            str(e.get("key")): e.get("value") for e in auth.get(kind) or [] if isinstance(e, dict)
        }
        if kind == "bearer":
            token = str(fields.get("token") or "")
            if self.secret(token, where, "bearer token"):
                headers.setdefault("Authorization", f"Bearer {token}")
        elif kind == "apikey":
            key, value = str(fields.get("key") or ""), str(fields.get("value") or "")
            if key and self.secret(value, where, f"API key {key}"):
                if fields.get("in") == "query":
                    step["request"].setdefault("query", {})[key] = value
                else:
                    headers.setdefault(key, value)
        elif kind == "basic":
            user, password = str(fields.get("username") or ""), str(fields.get("password") or "")
            if _WHOLE_VAR.match(user) or _WHOLE_VAR.match(password):
                self.imported.note(
                    where, "basic auth built from variables left out: set the app's auth instead"
                )
            elif self.secret(password, where, "basic auth password"):
                token = base64.b64encode(f"{user}:{password}".encode()).decode()
                headers.setdefault("Authorization", f"Basic {token}")
        else:
            self.imported.note(where, f"{kind} auth not mapped: set the app's auth instead")

    def secret(self, value: str, where: str, what: str) -> bool:
        """True when ``value`` may go into a suite file: a ``{{variable}}``, not a secret."""
        if _WHOLE_VAR.match(value) or not value:
            return bool(value)
        self.imported.note(
            where,
            f"literal {what} left out of the suite file: set the app's auth, or use a "
            "{{variable}} given with --var",
        )
        return False

    def body(self, body: Any, headers: dict[str, str], step: dict[str, Any], where: str) -> None:
        if not isinstance(body, dict) or not body.get("mode") or body.get("disabled"):
            return
        mode = body["mode"]
        request = step["request"]
        if mode == "raw":
            text = dynamic_variables(str(body.get("raw") or ""), self.imported, where)
            if not text.strip():
                return
            language = ((body.get("options") or {}).get("raw") or {}).get("language", "")
            declared = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
            if language == "json" or "json" in declared.lower() or text.lstrip()[:1] in "{[":
                try:
                    request["body"] = json_body(text)
                    return
                except ValueError:
                    self.imported.note(where, "raw body is not JSON: sent as text")
            request["body"] = text
            request["content_type"] = declared or "text/plain"
        elif mode in ("urlencoded", "formdata"):
            fields: dict[str, Any] = {}
            for entry in body.get(mode) or []:
                if not isinstance(entry, dict) or not entry.get("key") or entry.get("disabled"):
                    continue
                if entry.get("type") == "file":
                    self.imported.note(where, f"file field {entry['key']!r} left out")
                    continue
                fields[str(entry["key"])] = str(entry.get("value") or "")
            request["body"] = fields
            request["content_type"] = (
                "application/x-www-form-urlencoded"
                if mode == "urlencoded"
                else "multipart/form-data"
            )
        elif mode == "graphql":
            graphql = body.get("graphql") or {}
            payload: dict[str, Any] = {"query": graphql.get("query", "")}
            if graphql.get("variables"):
                try:
                    payload["variables"] = json.loads(graphql["variables"])
                except ValueError:
                    self.imported.note(where, "GraphQL variables are not JSON: left out")
            request["body"] = payload
        else:
            self.imported.note(where, f"{mode} body left out")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
