"""The answer of every DELETE: 200 with the envelope ``{"data": {"id", "deleted": true}}``,
or a bare 204 for a client that asks for it with ``Prefer: return=minimal`` (RFC 7240)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel
from starlette.responses import Response

from orchestrator.envelope import DataEnvelope, ok


class Deleted(BaseModel):
    id: str
    deleted: bool = True


PreferHeader = Annotated[
    str | None,
    Header(alias="Prefer", description="`return=minimal` for a bare 204 instead of the envelope."),
]
DELETED_DOC: dict[int | str, dict[str, Any]] = {
    200: {"model": DataEnvelope[Deleted], "description": "Deleted"},
    204: {"description": "Deleted, with `Prefer: return=minimal`"},
}


def wants_minimal(prefer: str | None) -> bool:
    if not prefer:
        return False
    # "return=minimal; param, other": the preference is what comes before parameters.
    preferences = {p.split(";")[0].replace(" ", "").lower() for p in prefer.split(",")}
    return "return=minimal" in preferences


def deleted(resource_id: str, prefer: str | None) -> Response:
    """The answer to a DELETE that removed ``resource_id``."""
    if wants_minimal(prefer):
        return Response(status_code=204, headers={"Preference-Applied": "return=minimal"})
    return ok(Deleted(id=resource_id))
