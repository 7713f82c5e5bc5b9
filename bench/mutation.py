"""Mutants of a mock's answers, one change at a time, and how many of them suites catch.

For each operation the kept suites reach (a 2xx in the run on the unchanged target),
five mutants of its 2xx answers, each applied alone by :class:`bench._proxy.MutatingProxy`:

- ``status``: another 2xx status (200 -> 201, any other -> 200);
- ``content_type``: ``text/plain`` (``application/octet-stream`` for a text answer)
  instead of the documented media type, body unchanged (answers with a body only);
- ``type``: the first property of the answer (or of its first item) of another JSON type;
- ``required``: the first property the documented schema requires, removed;
- ``enum``: a property the documented schema gives an enum, set to a value outside it.

A body mutant that finds nothing to change in any answer (no enum property, say) is not
applicable and left out of the score. A mutant is caught when a suite that passed on the
unchanged target (through the same proxy) fails with the mutant in place.
"""

from __future__ import annotations

import json
from typing import Any

from actors.generate.loader import load_document
from actors.generate.operations import Operation, read_operations
from actors.generate.refs import RefError, Resolver
from actors.generate.schemaview import SchemaView
from bench._proxy import Answer, Mutant

KINDS = ("status", "content_type", "type", "required", "enum")
NOT_IN_ENUM = "not-a-documented-value"


class DocumentSchemas:
    """The operations of one document and their success responses' flat schemas."""

    def __init__(self, document: dict[str, Any]) -> None:
        loaded = load_document(document)
        resolver = Resolver(loaded.document)
        self.view = SchemaView(resolver, is_31=loaded.is_31)
        ops, _, _ = read_operations(loaded.document, resolver)
        self.ops: dict[str, Operation] = {op.key: op for op in ops}

    def record_schema(self, key: str) -> dict[str, Any]:
        """The flat schema of one record of the success answer (its items for an array)."""
        op = self.ops.get(key)
        response = op.success_response() if op else None
        if response is None or response.schema is None:
            return {}
        try:
            flat, _ = self.view.flat(response.schema)
            if flat.get("type") == "array" or "items" in flat:
                flat, _ = self.view.flat(flat.get("items", {}))
        except RefError:
            return {}
        return flat

    def mock_cannot_answer(self) -> set[str]:
        """Operations whose 2xx answers are documented only as ``*/*`` (or
        ``application/*``) with a schema that is not a string: Prism answers those 500
        (NO_COMPLEX_OBJECT_TEXT) without an Accept header and 406 with one, whatever
        the request, so no tool can get a 2xx from it."""
        out: set[str] = set()
        for key, op in self.ops.items():
            answers = [r for code, r in op.responses.items() if code.startswith("2")]
            wild = [r for r in answers if r.media_types and all("*" in m for m in r.media_types)]
            if not answers or len(wild) != len(answers):
                continue
            try:
                kinds = [self.view.flat(r.schema)[0].get("type") for r in wild if r.schema]
            except RefError:
                continue
            if kinds and all(kind != "string" for kind in kinds):
                out.add(key)
        return out

    def property_schema(self, record: dict[str, Any], name: str) -> dict[str, Any]:
        props = record.get("properties")
        if not isinstance(props, dict) or name not in props:
            return {}
        try:
            return self.view.flat(props[name])[0]
        except RefError:
            return {}


def mutants_for(schemas: DocumentSchemas, key: str) -> list[Mutant]:
    """The five mutants of operation ``key``."""
    record_schema = schemas.record_schema(key)
    required = [r for r in record_schema.get("required") or [] if isinstance(r, str)]
    props = record_schema.get("properties")
    enums = {
        name: flat["enum"]
        for name in (props if isinstance(props, dict) else {})
        if isinstance((flat := schemas.property_schema(record_schema, name)).get("enum"), list)
    }

    def status(answer: Answer) -> Answer:
        return (201 if answer[0] == 200 else 200, answer[1], answer[2])

    def content_type(answer: Answer) -> Answer | None:
        if not answer[2] or not any(k.lower() == "content-type" for k in answer[1]):
            return None  # no body, no content type to change
        current = next(v for k, v in answer[1].items() if k.lower() == "content-type")
        other = "text/plain" if "text/plain" not in current else "application/octet-stream"
        headers = {k: v for k, v in answer[1].items() if k.lower() != "content-type"}
        return (answer[0], {**headers, "Content-Type": other}, answer[2])

    def retyped(record: dict[str, Any]) -> bool:
        for name, value in record.items():
            record[name] = _other_type(value)
            return True
        return False

    def unrequired(record: dict[str, Any]) -> bool:
        for name in required:
            if name in record:
                del record[name]
                return True
        return False

    def out_of_enum(record: dict[str, Any]) -> bool:
        for name, allowed in enums.items():
            if name in record:
                numbers = [v for v in allowed if isinstance(v, int | float)]
                record[name] = (
                    max(numbers) + 1000
                    if numbers and isinstance(record[name], int | float)
                    else NOT_IN_ENUM
                )
                return True
        return False

    return [
        Mutant(key, "status", status),
        Mutant(key, "content_type", content_type),
        Mutant(key, "type", _on_record(retyped, scalar_items=True)),
        Mutant(key, "required", _on_record(unrequired)),
        Mutant(key, "enum", _on_record(out_of_enum)),
    ]


def _other_type(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "mutated"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 12345
    return "mutated"  # an object or an array becomes a string


def _on_record(change: Any, scalar_items: bool = False) -> Any:
    """A mutation changing the answer's record (the object, or its first item) in place."""

    def mutate(answer: Answer) -> Answer | None:
        try:
            body = json.loads(answer[2])
        except ValueError:
            return None
        record = body[0] if isinstance(body, list) and body else body
        if isinstance(record, dict):
            if not change(record):
                return None
        elif scalar_items and isinstance(body, list) and body:
            body[0] = _other_type(body[0])
        else:
            return None
        return (answer[0], answer[1], json.dumps(body).encode())

    return mutate
