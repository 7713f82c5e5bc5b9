"""The suite format: one pydantic model shared by the API, the runner, the generator,
normalization and the load generator. Identical in JSON (API) and YAML (files).

Every model forbids unknown fields so that a typo is a 400 naming the field, not a
silently ignored assertion.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from runner import bounded_regex, jsonpath, schemas

Operator = Literal[
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "contains",
    "not_contains",
    "matches",
    "exists",
    "not_exists",
    "type",
    "in",
]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
_STATUS_CLASS = re.compile(r"^[1-5]xx$")
_NO_EXPECTED = {"exists", "not_exists"}
_NUMERIC = {"lt", "lte", "gt", "gte"}
MAX_NAME = 200
# Validation context for suites read back from storage: a check added after a suite was
# stored (references leaving a schema, regex limits) must not stop it from loading. The
# runner still refuses what the check refuses, in the failed step's reason.
STORED_SUITE: dict[str, Any] = {"stored": True}


def _is_stored(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("stored") is True


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_operator(op: str, expected: Any, has_expected: bool, stored: bool) -> None:
    if op in _NO_EXPECTED:
        return
    if not has_expected:
        raise ValueError(f"operator '{op}' needs 'expected'")
    if op in _NUMERIC and (isinstance(expected, bool) or not isinstance(expected, int | float)):
        raise ValueError(f"operator '{op}' needs a number as 'expected'")
    if op == "in" and not isinstance(expected, list):
        raise ValueError("operator 'in' needs a list as 'expected'")
    if op == "type" and expected not in JSON_TYPES:
        raise ValueError(f"operator 'type' expects one of {', '.join(JSON_TYPES)}")
    if op == "matches":
        if not isinstance(expected, str):
            raise ValueError("operator 'matches' needs a regular expression string")
        if stored:
            return
        try:
            bounded_regex.check(expected)
        except bounded_regex.RegexRefused as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None


def _check_path(value: str) -> str:
    try:
        jsonpath.parse(value)
    except jsonpath.JsonPathError as exc:
        raise ValueError(f"invalid JSON path {value!r}: {exc}") from None
    return value


class StatusCodeAssertion(_Strict):
    type: Literal["status_code"]
    expected: int | str | list[int | str] = Field(
        description="A code (201), a class ('2xx') or a list of either."
    )

    @field_validator("expected")
    @classmethod
    def _codes(cls, value: int | str | list[int | str]) -> int | str | list[int | str]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ValueError("at least one status code or class")
        for item in items:
            if isinstance(item, bool):
                raise ValueError("a status code is a number such as 200")
            if isinstance(item, int) and not 100 <= item <= 599:
                raise ValueError(f"{item} is not an HTTP status code (100-599)")
            if isinstance(item, str) and not _STATUS_CLASS.match(item):
                raise ValueError(f"{item!r} is not a status class such as '2xx'")
        return value


class _OperatorAssertion(_Strict):
    op: Operator = "eq"
    expected: Any = None

    @model_validator(mode="after")
    def _operator(self, info: ValidationInfo) -> _OperatorAssertion:
        _check_operator(
            self.op, self.expected, "expected" in self.model_fields_set, _is_stored(info)
        )
        return self


class HeaderAssertion(_OperatorAssertion):
    type: Literal["header"]
    name: str = Field(min_length=1, max_length=256)


class JsonPathAssertion(_OperatorAssertion):
    type: Literal["json_path"]
    path: str = Field(min_length=1, max_length=1024)

    _path = field_validator("path")(_check_path)


class BodyAssertion(_OperatorAssertion):
    """On the raw response text, for responses that are not JSON."""

    type: Literal["body"]


class SchemaAssertion(_Strict):
    type: Literal["schema"]
    schema_: dict[str, Any] = Field(
        alias="schema",
        description="A JSON Schema (2020-12). References resolve only inside the schema "
        "('#/$defs/name'); nothing is fetched.",
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if not _is_stored(info):
            problem = schemas.refusal(value)
            if problem:
                raise ValueError(problem)
        return value


class LatencyAssertion(_Strict):
    type: Literal["latency_ms"]
    op: Literal["lt", "lte", "gt", "gte"] = "lte"
    expected: float = Field(gt=0)


Assertion = Annotated[
    StatusCodeAssertion
    | HeaderAssertion
    | JsonPathAssertion
    | BodyAssertion
    | SchemaAssertion
    | LatencyAssertion,
    Field(discriminator="type"),
]

# The assertion models themselves (the union above, without the discriminator), for code
# that handles an assertion of any type.
AnyAssertion = (
    StatusCodeAssertion
    | HeaderAssertion
    | JsonPathAssertion
    | BodyAssertion
    | SchemaAssertion
    | LatencyAssertion
)

QueryValue = str | int | float | bool | None | list[str | int | float | bool]


class Request(_Strict):
    method: HttpMethod = "GET"
    # The pattern states what _relative checks, for the OpenAPI document's readers.
    path: str = Field(min_length=1, max_length=8192, json_schema_extra={"pattern": r"^(/|\{\{)"})
    query: dict[str, QueryValue] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = Field(default=None, description="JSON body; a string with a non-JSON content_type.")
    content_type: str | None = Field(
        default=None,
        description="application/json (default with a body), "
        "application/x-www-form-urlencoded, multipart/form-data or any text type.",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if not (value.startswith("/") or value.startswith("{{")):
            raise ValueError("a path starts with '/' (it is joined to the run's base URL)")
        return value


class Step(_Strict):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    request: Request
    assertions: list[Assertion] = Field(default_factory=list)
    extract: dict[str, str] = Field(
        default_factory=dict,
        description="variable -> '$.json.path', 'header:<name>' or 'status'.",
    )
    noise: list[str] = Field(
        default_factory=list,
        description="JSON paths ('$.createdAt') or 'header:<name>' ignored when comparing.",
    )

    @field_validator("extract")
    @classmethod
    def _extractions(cls, value: dict[str, str]) -> dict[str, str]:
        for var, source in value.items():
            if not re.fullmatch(r"[A-Za-z_][\w.\-]*", var):
                raise ValueError(f"{var!r} is not a variable name")
            if source != "status" and not source.lower().startswith("header:"):
                _check_path(source)
        return value

    @field_validator("noise")
    @classmethod
    def _noise(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.lower().startswith("header:"):
                _check_path(item)
        return value


class Suite(_Strict):
    """A test suite: ordered steps sharing variables."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "health",
                    "labels": ["smoke"],
                    "steps": [
                        {
                            "name": "get health",
                            "request": {"method": "GET", "path": "/health"},
                            "assertions": [{"type": "status_code", "expected": 200}],
                        }
                    ],
                }
            ]
        }
    )

    # The pattern ("not only whitespace") states what _not_blank checks.
    name: str = Field(min_length=1, max_length=MAX_NAME, json_schema_extra={"pattern": r"\S"})
    description: str | None = Field(default=None, max_length=10_000)
    labels: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list)
    variables: dict[str, Any] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


def suite_to_dict(suite: Suite) -> dict[str, Any]:
    """The canonical JSON form (aliases, defaults kept) used in the API and in files."""
    data = suite.model_dump(mode="json", by_alias=True, exclude_none=True)
    # An "expected": null the client gave is an operand ('eq' null), not an absent one:
    # keep it, or the stored suite reads back as "operator ... needs 'expected'".
    for step, dumped in zip(suite.steps, data["steps"], strict=True):
        for assertion, out in zip(step.assertions, dumped["assertions"], strict=True):
            if "expected" in assertion.model_fields_set:
                out.setdefault("expected", None)
    return data
