"""App models: create/update bodies, target auth (write-only secrets) and public views."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from orchestrator.schemas.common import (
    OPENAPI_EXAMPLE,
    URL_EXAMPLE,
    URL_SCHEMA,
    Name,
    RequestModel,
)

Secret = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
HeaderName = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
]


class BearerAuth(RequestModel):
    type: Literal["bearer"]
    token: Secret


class BasicAuth(RequestModel):
    type: Literal["basic"]
    username: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    password: Secret


class HeaderAuth(RequestModel):
    type: Literal["header"]
    name: HeaderName
    value: Secret


class QueryAuth(RequestModel):
    type: Literal["query"]
    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    value: Secret


TargetAuth = Annotated[BearerAuth | BasicAuth | HeaderAuth | QueryAuth, Field(discriminator="type")]
OpenApiInput = str | dict[str, Any]


def _check_endpoint(value: str) -> str:
    if len(value) > 2048:
        raise ValueError("at most 2048 characters")
    AnyHttpUrl(value)  # raises on anything but an absolute http(s) URL
    return value.rstrip("/")


class AppCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Name
    endpoint: str = Field(
        description="Default base URL of the API under test.",
        examples=[URL_EXAMPLE],
        json_schema_extra=URL_SCHEMA,
    )
    schema_: OpenApiInput | None = Field(
        default=None,
        alias="schema",
        description="OpenAPI document: JSON or YAML text, or an object.",
        examples=[OPENAPI_EXAMPLE],
    )
    auth: TargetAuth | None = Field(
        default=None,
        description="Credentials every job request carries.",
        examples=[{"type": "bearer", "token": "target-api-token"}],
    )

    _endpoint = field_validator("endpoint")(_check_endpoint)


def _update_schema(schema: dict[str, Any]) -> None:
    """State what services.apps.update checks: at least one field, and ``name`` and
    ``endpoint`` may be left out but not null."""
    schema["minProperties"] = 1
    for field in ("name", "endpoint"):
        prop = schema["properties"][field]
        branches = [b for b in prop.pop("anyOf") if b.get("type") != "null"]
        prop.update(branches[0])
        prop.pop("default", None)


class AppUpdate(RequestModel):
    """Partial update: absent fields keep their value; ``schema``/``auth`` null removes."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra=_update_schema
    )

    name: Name | None = None
    endpoint: str | None = Field(default=None, examples=[URL_EXAMPLE], json_schema_extra=URL_SCHEMA)
    schema_: OpenApiInput | None = Field(default=None, alias="schema")
    auth: TargetAuth | None = None

    _endpoint = field_validator("endpoint")(lambda v: None if v is None else _check_endpoint(v))


class TargetAuthPublic(BaseModel):
    type: Literal["bearer", "basic", "header", "query"]
    name: str | None = Field(default=None, description="Header or query parameter name.")
    username: str | None = None
    hint: str = Field(description="Masked secret, e.g. '****abcd'.")


class SchemaSummary(BaseModel):
    spec_version: str
    title: str | None
    version: str | None
    operation_count: int


class AppPublic(BaseModel):
    id: str
    name: str
    endpoint: str
    schema_summary: SchemaSummary | None
    auth: TargetAuthPublic | None
    created_at: int
    updated_at: int


class AppDetail(AppPublic):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    schema_: dict[str, Any] | None = Field(alias="schema", description="The OpenAPI document.")
