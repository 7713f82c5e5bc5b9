"""Shared request-model base (unknown fields are an error that names them) and the
string types several bodies share, with the constraints the document states for them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

# Stripped, then at least one character: the pattern says "not only whitespace" so that
# the document states what the stripping enforces.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True, pattern=r"\S"),
    Field(examples=["Payments API"]),
]

# An absolute http(s) URL, checked by the validators (pydantic's AnyHttpUrl); the schema
# states what a generator needs to know to produce one.
_PORT = r"([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_SCHEMA: dict[str, JsonValue] = {
    "format": "uri",
    "maxLength": 2048,
    # scheme, a host (no user info, none of the characters a host may not hold), a port
    "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@:<>\[\]\\^|%]+(:" + _PORT + r")?([/?#]\S*)?$",
}
URL_EXAMPLE = "http://127.0.0.1:8080"
# A small OpenAPI document: what an example request carries as an app's (or a
# generation's) ``schema``.
OPENAPI_EXAMPLE: dict[str, JsonValue] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "paths": {"/pets": {"get": {"responses": {"200": {"description": "The pets."}}}}},
}


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
