"""The operations of a document, read once into plain objects: parameters merged from
path and operation level, the request body in the one media type we will send, the
responses, the success status to expect. Anything that makes an operation unusable is a
:class:`SkippedOperation` carrying the reason, never an exception.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from actors.generate._coerce import MISSING, as_dict
from actors.generate.parameters import Parameter, credential_parameters, example, read_parameters
from actors.generate.refs import RefError, Resolver

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_ALL_METHODS = (*METHODS, "trace", "query")
BodyKind = Literal["json", "form", "multipart", "text", "yaml", "binary"]
_KIND_ORDER: dict[BodyKind, int] = {
    "json": 0, "form": 1, "multipart": 2, "text": 3, "yaml": 4, "binary": 5
}  # fmt: skip
_BINARY_PREFIXES = ("image/", "audio/", "video/")


@dataclass(frozen=True)
class RequestBody:
    media_type: str
    kind: BodyKind
    schema: Any
    required: bool
    example: Any = MISSING


@dataclass(frozen=True)
class Response:
    code: str  # "200", "2XX" or "default", as documented
    schema: Any | None  # of the JSON body, when there is one
    links: dict[str, Any] = field(default_factory=dict)
    media_types: tuple[str, ...] = ()  # as documented, in the document's order
    headers: tuple[str, ...] = ()  # documented header names, lower case

    def accept(self) -> str | None:
        """The media type to ask for: JSON (what a suite can judge) when documented,
        else the first one documented; None for a response without a body."""
        if not self.media_types:
            return None
        bases = [mt.split(";", 1)[0].strip() for mt in self.media_types]
        json_types = [mt for mt in bases if media_kind(mt) == "json"]
        exact = [mt for mt in json_types if mt.lower() == "application/json"]
        chosen = (exact or json_types or bases)[0]
        return "application/json" if "*" in chosen else chosen


@dataclass
class Operation:
    index: int
    method: str  # upper case
    path: str  # the template as documented
    operation_id: str | None
    summary: str
    parameters: list[Parameter]
    body: RequestBody | None
    responses: dict[str, Response]
    success: int | str
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def request_path(self) -> str:
        """The path to send: some documents key variants as ``/path#variant``."""
        return self.path.split("#", 1)[0] or "/"

    def params(self, location: str) -> list[Parameter]:
        return [p for p in self.parameters if p.location == location]

    def success_response(self) -> Response | None:
        code = str(self.success)
        return self.responses.get(code) or self.responses.get(code[0] + "XX")


@dataclass(frozen=True)
class SkippedOperation:
    key: str
    reason: str


def is_ignored(method: str, path: str, patterns: Sequence[str]) -> bool:
    """Whether ``METHOD path`` matches one of ``patterns``: a path or glob (``/admin/*``),
    optionally preceded by a method (``DELETE /pets/*``)."""
    for raw in patterns:
        pattern = raw.strip()
        if not pattern:
            continue
        verb, _, rest = pattern.partition(" ")
        if rest and verb.upper() in {m.upper() for m in _ALL_METHODS}:
            if verb.upper() != method:
                continue
            pattern = rest.strip()
        if not pattern.startswith(("/", "*")):
            pattern = "/" + pattern
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path.rstrip("/"), pattern):
            return True
    return False


def read_operations(
    document: dict[str, Any], resolver: Resolver, ignore: Sequence[str] = ()
) -> tuple[list[Operation], list[SkippedOperation], list[str]]:
    """``(operations, skipped, ignored keys)`` in document order."""
    ops: list[Operation] = []
    skipped: list[SkippedOperation] = []
    ignored: list[str] = []
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return ops, skipped, ignored
    credentials = credential_parameters(document, resolver)
    for path, item in paths.items():
        try:
            item = resolver.deref(item)
        except RefError as exc:
            skipped.append(SkippedOperation(f"* {path}", str(exc)))
            continue
        if not isinstance(item, dict):
            continue
        for method in _ALL_METHODS:
            op = item.get(method)
            if op is None:
                continue
            key = f"{method.upper()} {path}"
            if is_ignored(method.upper(), path, ignore):
                ignored.append(key)
                continue
            if method not in METHODS:
                skipped.append(SkippedOperation(key, f"method {method.upper()} is not supported"))
                continue
            if not isinstance(op, dict):
                skipped.append(SkippedOperation(key, "the operation is not an object"))
                continue
            try:
                ops.append(_operation(len(ops), method, path, item, op, resolver, credentials))
            except _Skip as exc:
                skipped.append(SkippedOperation(key, str(exc)))
            except RefError as exc:
                skipped.append(SkippedOperation(key, str(exc)))
            except Exception as exc:  # one odd operation must not sink the rest
                skipped.append(SkippedOperation(key, f"unreadable operation ({exc!r:.200})"))
    return ops, skipped, ignored


class _Skip(Exception):
    pass


def _operation(
    index: int,
    method: str,
    path: str,
    item: dict[str, Any],
    op: dict[str, Any],
    r: Resolver,
    credentials: frozenset[tuple[str, str]] = frozenset(),
) -> Operation:
    notes: list[str] = []
    params = read_parameters(path, item, op, r, notes, credentials)
    body = _body(op, r, notes)
    responses = _responses(op, r, notes)
    summary = op.get("summary")
    summary = summary if isinstance(summary, str) else ""
    op_id = op.get("operationId") if isinstance(op.get("operationId"), str) else None
    return Operation(
        index=index,
        method=method.upper(),
        path=str(path),
        operation_id=op_id,
        summary=summary,
        parameters=params,
        body=body,
        responses=responses,
        success=success_status(responses),
        notes=notes,
    )


def media_kind(media_type: str) -> BodyKind | None:
    base = media_type.split(";", 1)[0].strip().lower()
    if base in ("application/json", "*/*", "application/*") or base.endswith("+json"):
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base == "multipart/form-data":
        return "multipart"
    if base in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"):
        return "yaml"
    if base.startswith("text/"):
        return "text"
    if base in ("application/octet-stream", "application/pdf") or base.startswith(_BINARY_PREFIXES):
        return "binary"
    return None


def _body(op: dict[str, Any], r: Resolver, notes: list[str]) -> RequestBody | None:
    if "requestBody" not in op:
        return None
    body = r.deref(op["requestBody"])
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
        return None
    required = body.get("required") is True
    usable = [(mt, media_kind(str(mt)), media) for mt, media in body["content"].items()]
    usable = [(mt, kind, media) for mt, kind, media in usable if kind is not None]
    if not usable:
        kinds = ", ".join(str(mt) for mt in body["content"]) or "no media type"
        if required:
            raise _Skip(
                f"request body only in {kinds}; JSON, form, multipart, text, YAML or binary needed"
            )
        notes.append(f"optional request body in {kinds} is not sent")
        return None
    mt, kind, media = min(usable, key=lambda entry: _KIND_ORDER[entry[1]])  # type: ignore[index]
    media = r.deref(media)
    media = media if isinstance(media, dict) else {}
    base = str(mt).split(";", 1)[0].strip()
    # A validating API refuses a media type it does not list (415), so the documented
    # one is sent, including vendor JSON types; only wildcards become application/json.
    return RequestBody(
        media_type=base if "*" not in base else "application/json",
        kind=kind,  # type: ignore[arg-type]
        schema=media.get("schema", {}),
        required=required,
        example=example(media, r),
    )


def _responses(op: dict[str, Any], r: Resolver, notes: list[str]) -> dict[str, Response]:
    out: dict[str, Response] = {}
    raw = op.get("responses")
    if not isinstance(raw, dict):
        return out
    for code, resp in raw.items():
        code = str(code).upper() if str(code).lower() != "default" else "default"
        try:
            resp = r.deref(resp)
        except RefError as exc:
            notes.append(f"response {code}: {exc}")
            out[code] = Response(code, None)
            continue
        if not isinstance(resp, dict):
            continue
        schema = None
        content = as_dict(resp.get("content"))
        for mt, media in content.items():
            if media_kind(str(mt)) == "json" and isinstance(media, dict) and "schema" in media:
                schema = media["schema"]
                break
        links = as_dict(resp.get("links"))
        headers = tuple(str(h).lower() for h in as_dict(resp.get("headers")))
        out[code] = Response(code, schema, links, tuple(str(mt) for mt in content), headers)
    return out


def success_status(responses: dict[str, Response]) -> int | str:
    """The status a valid request should get: the lowest documented 2xx code, else the
    2XX range, else a documented 1xx/3xx code, else any 2xx."""
    exact = sorted(int(c) for c in responses if c.isdigit() and 200 <= int(c) < 300)
    if exact:
        return exact[0]
    if "2XX" in responses:
        return "2xx"
    redirects = sorted(int(c) for c in responses if c.isdigit() and 100 <= int(c) < 400)
    if redirects:
        return redirects[0]
    # Only failures documented (common in Swagger-era documents): a valid request
    # should still succeed somehow.
    return "2xx"
