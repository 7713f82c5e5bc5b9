"""From an operation and chosen values to a suite ``Request``: parameters serialised by
their ``style``/``explode`` (OpenAPI 3 "Style Values"), cookies folded into one header,
the body in its media type.

Values are chosen in :func:`plan_request` and rendered in :func:`render_request`, so that
negative cases can break one value of a valid plan and render the rest unchanged.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import yaml

from actors.generate._coerce import MISSING
from actors.generate.operations import Operation
from actors.generate.parameters import Parameter
from actors.generate.validity import BodyChecker
from actors.generate.values import ValueGenerator

# Characters RFC 3986 allows unescaped in a path segment.
_PATH_SAFE = "-._~!$&'()*+,;=:@"


@dataclass(frozen=True)
class Template:
    """A ``{{var}}`` reference to a value extracted by an earlier step; ``whole_path``
    when the value is a whole URL or path (a ``Location`` header), not one segment."""

    var: str
    whole_path: bool = False

    def __str__(self) -> str:
        return "{{" + self.var + "}}"


@dataclass
class RequestPlan:
    values: dict[tuple[str, str], Any] = field(default_factory=dict)  # (location, name) → value
    body: Any = MISSING

    def copy(self) -> RequestPlan:
        return RequestPlan(dict(self.values), self.body)


def plan_request(
    op: Operation,
    gen: ValueGenerator,
    checker: BodyChecker,
    rng: random.Random,
    templates: dict[str, Template] | None = None,
) -> RequestPlan:
    """Valid values for the path parameters, the required other parameters and the body.

    ``templates`` maps path parameter names to variables set by earlier steps.
    """
    templates = templates or {}
    plan = RequestPlan()
    for param in op.parameters:
        if param.location == "path" and param.name in templates:
            plan.values[("path", param.name)] = templates[param.name]
        elif param.required:
            plan.values[(param.location, param.name)] = parameter_value(param, gen, rng, checker)
    if op.body is not None:
        plan.body = checker.body_value(op, gen, rng)
    return plan


def parameter_value(
    param: Parameter, gen: ValueGenerator, rng: random.Random, checker: BodyChecker
) -> Any:
    """The documented example when its own schema accepts it (documents carry broken
    ones: a uuid one digit short), else a generated value, examples of the schema first."""
    example = param.example
    if example is not MISSING and example is not None and checker.is_valid(param.schema, example):
        return example
    value = gen.valid(param.schema, rng, name=param.name)
    if checker.is_valid(param.schema, value):
        return value
    return gen.valid(param.schema, rng, name=param.name, use_examples=False)


def render_request(op: Operation, plan: RequestPlan) -> dict[str, Any]:
    """The ``Request`` fields (a dict for ``Request.model_validate``) for ``plan``."""
    path = op.request_path
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    cookies: list[str] = []
    by_key = {(p.location, p.name): p for p in op.parameters}
    for (location, name), value in plan.values.items():
        param = by_key.get((location, name))
        if param is None:
            continue
        if location == "path" and isinstance(value, Template) and value.whole_path:
            path = str(value)
        elif location == "path":
            path = path.replace("{" + name + "}", _path_value(param, value))
        elif location == "query":
            query.update(_query_value(param, value))
        elif location == "header":
            headers[name] = _joined(param, value, ",")
        elif location == "cookie":
            cookies.append(f"{name}={_joined(param, value, ',')}")
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    response = op.success_response()
    accept = response.accept() if response is not None else None
    if accept and not any(name.lower() == "accept" for name in headers):
        # Without it a target offering XML first answers XML, which no JSON check reads.
        headers["Accept"] = accept
    request: dict[str, Any] = {"method": op.method, "path": path}
    if query:
        request["query"] = query
    if headers:
        request["headers"] = headers
    if plan.body is not MISSING and op.body is not None:
        request["body"] = _body(plan.body, op.body.kind)
        if op.body.media_type != "application/json":
            request["content_type"] = op.body.media_type
    return request


def _scalar(value: Any) -> str:
    if isinstance(value, Template):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=False)
    return str(value)


def _pairs(value: dict[str, Any], explode: bool) -> list[str]:
    if explode:
        return [f"{k}={_scalar(v)}" for k, v in value.items()]
    return [part for k, v in value.items() for part in (str(k), _scalar(v))]


def _joined(param: Parameter, value: Any, sep: str) -> str:
    if param.as_json or isinstance(value, Template):
        return _scalar(value)
    if isinstance(value, list):
        return sep.join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return sep.join(_pairs(value, param.explode))
    return _scalar(value)


def _path_value(param: Parameter, value: Any) -> str:
    if isinstance(value, Template):
        return str(value)
    if param.as_json:
        return quote(_scalar(value), safe="")
    items: list[str]
    if isinstance(value, list):
        items = [_scalar(v) for v in value]
    elif isinstance(value, dict):
        items = _pairs(value, param.explode)
    else:
        items = [_scalar(value)]
    items = [quote(item, safe=_PATH_SAFE.replace(",", "").replace(";", "")) for item in items]
    name = param.name
    if param.style == "label":
        return "." + (".".join(items) if param.explode else ",".join(items))
    if param.style == "matrix":
        if isinstance(value, list) and param.explode:
            return "".join(f";{name}={item}" for item in items)
        if isinstance(value, dict) and param.explode:
            return "".join(f";{item}" for item in items)
        return f";{name}=" + ",".join(items)
    return ",".join(items)


def _query_value(param: Parameter, value: Any) -> dict[str, Any]:
    name = param.name
    if param.as_json or isinstance(value, Template):
        return {name: _scalar(value)}
    if isinstance(value, dict):
        if param.style == "deepObject":
            return {f"{name}[{k}]": _scalar(v) for k, v in value.items()}
        if param.explode:
            return {str(k): _scalar(v) for k, v in value.items()}
        return {name: ",".join(_pairs(value, explode=False))}
    if isinstance(value, list):
        items = [_scalar(v) for v in value]
        if param.style == "spaceDelimited":
            return {name: " ".join(items)}
        if param.style == "pipeDelimited":
            return {name: "|".join(items)}
        return {name: items} if param.explode else {name: ",".join(items)}
    return {name: _scalar(value)}


def _body(value: Any, kind: str) -> Any:
    if kind == "json":
        return value
    if kind == "yaml":
        return value if isinstance(value, str) else yaml.safe_dump(value, sort_keys=False)
    if kind == "binary":
        # A few bytes stand for the file: what matters is that the API takes the type.
        return value if isinstance(value, str) and value else "gauntlet"
    if kind == "text":
        return value if isinstance(value, str) else _scalar(value)
    if isinstance(value, dict):
        # Form fields are strings; nested values go as JSON text.
        return {
            str(k): [_scalar(x) for x in v] if isinstance(v, list) else _scalar(v)
            for k, v in value.items()
        }
    return _scalar(value)
