"""Which operation yields the value of a path parameter, and where its id is in the
answer: an OpenAPI link first (the document says so); else REST naming — ``POST /pets``
creates what ``/pets/{petId}`` reads, the id being a property named like the parameter
(``petId``, ``pet_id``), else ``id``, at the top or under an envelope (``data``,
``item``, ``result``...), else the ``Location`` header when the answer documents one;
failing all, the first item that ``GET /pets`` lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from actors.generate._coerce import as_dict
from actors.generate.operations import Operation
from actors.generate.refs import RefError, Resolver
from actors.generate.schemaview import SchemaView
from runner import format_parts

_BODY_POINTER = re.compile(r"^\$response\.body#(/.*)?$")


@dataclass(frozen=True)
class Producer:
    """``op`` yields the value of path parameter ``param`` at ``extract`` (a JSON path,
    or ``header:location``) of its success answer: it creates one (``create``), it
    answers where the new one is (``location``), or it lists existing ones (``list``)."""

    op: Operation
    param: str
    extract: str
    source: str = ""  # where the value comes from, for the history
    kind: Literal["create", "location", "list"] = "create"

    @property
    def reads_existing(self) -> bool:
        """Whether the value is read from what the API already holds (a list, or a
        linked read), which may be nothing, rather than from what a step creates."""
        return self.kind == "list" or self.op.method == "GET"


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
        """The operation that yields the value of ``op``'s path parameter ``param``."""
        key = (op.key, param)
        if key not in self._cache:
            self._cache[key] = self._find(op, param)
        return self._cache[key]

    def _find(self, op: Operation, param: str) -> Producer | None:
        linked = self._links.get((op.key, param))
        if linked is not None and linked[0] is not op:
            source = f"{linked[1]} of the answer to {linked[0].key} (an OpenAPI link)"
            return Producer(linked[0], param, linked[1], source)
        segments = op.request_path.split("/")
        marker = "{" + param + "}"
        if marker not in segments:
            return None
        collection = "/".join(segments[: segments.index(marker)]) or "/"
        creator = self.get("POST", collection)
        if creator is not None and creator is not op:
            response = creator.success_response()
            located = (
                response is not None and "location" in response.headers and segments[-1] == marker
            )
            found = self.id_path(creator, param)
            # An undocumented body only guesses '$.id'; a documented Location is a fact.
            if found is not None and not (located and response and response.schema is None):
                source = f"{found[0]} of the answer to {creator.key} ({found[1]})"
                return Producer(creator, param, found[0], source)
            if located:
                source = f"the Location header of the answer to {creator.key}"
                return Producer(creator, param, "header:location", source, "location")
        lister = self.get("GET", collection)
        if lister is not None and lister is not op:
            found = self.listed_id_path(lister, param)
            if found is not None:
                source = (
                    f"{found[0]} of the answer to {lister.key} ({found[1]}; nothing creates one)"
                )
                return Producer(lister, param, found[0], source, "list")
        return None

    def id_path(self, creator: Operation, param: str) -> tuple[str, str] | None:
        """Where ``creator``'s success answer carries the id named by ``param``: (JSON
        path, why there)."""
        response = creator.success_response()
        if response is None:
            return None
        if response.schema is None:
            # Undocumented body: '$.id' is the overwhelming convention for ids.
            return (
                ("$.id", "the usual place of an id; the answer is undocumented")
                if _norm(param).endswith("id")
                else None
            )
        try:
            found = self._find_property(response.schema, param, 0)
        except RefError:
            return None
        return (format_parts(found[0]), found[1]) if found else None

    def listed_id_path(self, lister: Operation, param: str) -> tuple[str, str] | None:
        """Where the first item of ``lister``'s answer (an array, or an array under an
        envelope such as ``data`` or ``items``) carries the id named by ``param``."""
        response = lister.success_response()
        if response is None or response.schema is None:
            return None
        try:
            flat, _ = self.view.flat(response.schema)
            for parts, items in self._arrays(flat):
                found = self._find_property(items, param, 1)
                if found:
                    return (
                        format_parts((*parts, 0, *found[0])),
                        f"{found[1]}, in the first item",
                    )
        except RefError:
            return None
        return None

    def _arrays(self, flat: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
        if "items" in flat:
            return [((), flat["items"])]
        props = as_dict(flat.get("properties"))
        out: list[tuple[tuple[str, ...], Any]] = []
        for name in _envelopes(props):
            sub, _ = self.view.flat(props[name])
            if "items" in sub:
                out.append(((name,), sub["items"]))
        return out

    def _find_property(
        self, schema: Any, param: str, depth: int
    ) -> tuple[tuple[str, ...], str] | None:
        flat, _ = self.view.flat(schema)
        props = flat.get("properties")
        if not isinstance(props, dict):
            return None
        wanted = _norm(param)
        for name in props:
            if name == param or _norm(name) == wanted:
                return (name,), f"the property named like {{{param}}}"
        if "id" in props:
            return ("id",), "the 'id' property"
        if depth == 0:
            # One level of envelope: {"data": {"id": ...}}, the usual names first.
            for name in _envelopes(props):
                try:
                    inner = self._find_property(props[name], param, depth + 1)
                except RefError:
                    continue
                if inner:
                    return (name, *inner[0]), f"{inner[1]}, under '{name}'"
        return None


# Properties that wrap the record in an envelope, most usual first.
_ENVELOPES = ("data", "item", "result", "items", "results", "records", "content")


def _envelopes(props: Any) -> list[str]:
    """``props``' names, envelope names first, in the document's order otherwise."""
    if not isinstance(props, dict):
        return []
    return sorted(props, key=lambda n: _ENVELOPES.index(n) if n in _ENVELOPES else len(_ENVELOPES))
