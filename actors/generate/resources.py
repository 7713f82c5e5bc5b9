"""Which operation creates the resource a path parameter names, and where its id is in
the response: OpenAPI links first (the document says so), else REST naming
(``POST /pets`` creates what ``/pets/{petId}`` reads; the id is ``petId``, ``pet_id`` or
``id`` in the response).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from actors.generate.operations import Operation
from actors.generate.refs import RefError, Resolver
from actors.generate.schemaview import SchemaView
from runner import format_parts

_BODY_POINTER = re.compile(r"^\$response\.body#(/.*)?$")


@dataclass(frozen=True)
class Producer:
    """``op`` (a create operation) yields the value of path parameter ``param`` at the
    JSON path ``extract`` of its success response."""

    op: Operation
    param: str
    extract: str


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def pointer_to_path(pointer: str) -> str:
    """``/data/0/id`` → ``$.data[0].id``."""
    parts: list[str | int] = []
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return format_parts(tuple(parts))


class ResourceIndex:
    """Looks up operations by method and path, and producers of path parameters."""

    def __init__(self, ops: list[Operation], view: SchemaView, resolver: Resolver) -> None:
        self.view = view
        self.resolver = resolver
        self.by_key = {(op.method, op.path): op for op in ops}
        self.by_id = {op.operation_id: op for op in ops if op.operation_id}
        # (target operation key, param) → (source operation, JSON path)
        self._links: dict[tuple[str, str], tuple[Operation, str]] = {}
        for op in ops:
            self._read_links(op)
        self._cache: dict[tuple[str, str], Producer | None] = {}

    def get(self, method: str, path: str) -> Operation | None:
        return self.by_key.get((method, path))

    def _read_links(self, op: Operation) -> None:
        response = op.success_response()
        if response is None:
            return
        for link in response.links.values():
            try:
                link = self.resolver.deref(link)
            except RefError:
                continue
            if not isinstance(link, dict) or not isinstance(link.get("parameters"), dict):
                continue
            target = self._link_target(link)
            if target is None:
                continue
            for name, expression in link["parameters"].items():
                match = _BODY_POINTER.match(expression) if isinstance(expression, str) else None
                name = str(name).split(".", 1)[-1]  # "path.petId" → "petId"
                if match:
                    self._links.setdefault(
                        (target.key, name), (op, pointer_to_path(match[1] or ""))
                    )

    def _link_target(self, link: dict[str, Any]) -> Operation | None:
        if isinstance(link.get("operationId"), str):
            return self.by_id.get(link["operationId"])
        ref = link.get("operationRef")
        if isinstance(ref, str) and ref.startswith("#/paths/"):
            parts = ref[len("#/paths/") :].split("/")
            if len(parts) == 2:
                path = parts[0].replace("~1", "/").replace("~0", "~")
                return self.by_key.get((parts[1].upper(), path))
        return None

    def producer(self, op: Operation, param: str) -> Producer | None:
        """The operation that creates the value of ``op``'s path parameter ``param``."""
        key = (op.key, param)
        if key not in self._cache:
            self._cache[key] = self._find(op, param)
        return self._cache[key]

    def _find(self, op: Operation, param: str) -> Producer | None:
        linked = self._links.get((op.key, param))
        if linked is not None and linked[0] is not op:
            return Producer(linked[0], param, linked[1])
        segments = op.request_path.split("/")
        marker = "{" + param + "}"
        if marker not in segments:
            return None
        collection = "/".join(segments[: segments.index(marker)]) or "/"
        creator = self.get("POST", collection)
        if creator is None or creator is op:
            return None
        path = self.id_path(creator, param)
        return Producer(creator, param, path) if path else None

    def id_path(self, creator: Operation, param: str) -> str | None:
        """Where ``creator``'s success response carries the id named by ``param``."""
        response = creator.success_response()
        if response is None:
            return None
        if response.schema is None:
            # Undocumented body: '$.id' is the overwhelming convention for ids.
            return "$.id" if _norm(param).endswith("id") else None
        try:
            found = self._find_property(response.schema, param, 0)
        except RefError:
            return None
        return format_parts(found) if found else None

    def _find_property(self, schema: Any, param: str, depth: int) -> tuple[str, ...] | None:
        flat, _ = self.view.flat(schema)
        props = flat.get("properties")
        if not isinstance(props, dict):
            return None
        wanted = _norm(param)
        for name in props:
            if name == param:
                return (name,)
        for name in props:
            if _norm(name) == wanted:
                return (name,)
        if "id" in props:
            return ("id",)
        if depth == 0:
            # One level of envelope: {"data": {"id": ...}}.
            for name, sub in props.items():
                try:
                    inner = self._find_property(sub, param, depth + 1)
                except RefError:
                    continue
                if inner:
                    return (name, *inner)
        return None
