"""Swagger 2.0 → OpenAPI 3.0.

No maintained Python converter exists (prance delegates to an online service, the
reference one is a Node program), and the mapping is small and fixed by the two
specifications, so it lives here. It converts what the generator reads: servers,
schemas, parameters (with collectionFormat → style), body and formData → requestBody,
responses with produces → content, examples, security schemes. The input is not modified.
"""

from __future__ import annotations

from typing import Any

from actors.generate._coerce import as_dict, as_list

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_REF_PREFIXES = (
    ("#/definitions/", "#/components/schemas/"),
    ("#/responses/", "#/components/responses/"),
    ("#/parameters/", "#/components/parameters/"),
)
_SCHEMA_FIELDS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
)
# collectionFormat → (style, explode) per location; tsv has no 3.0 equivalent.
_QUERY_STYLES = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "tsv": ("form", False),
    "multi": ("form", True),
}
_OAUTH_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def _rewrite(node: Any, memo: dict[int, Any]) -> Any:
    """A copy with 2.0 refs and schema quirks (x-nullable, type: file, string
    discriminator) in their 3.0 form. Shared subtrees stay shared."""
    if isinstance(node, list):
        if id(node) in memo:
            return memo[id(node)]
        items: list[Any] = []
        memo[id(node)] = items
        items.extend(_rewrite(item, memo) for item in node)
        return items
    if not isinstance(node, dict):
        return node
    if id(node) in memo:
        return memo[id(node)]
    out: dict[str, Any] = {}
    memo[id(node)] = out
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = _rewrite_ref(value)
        elif key == "x-nullable" and value is True:
            out["nullable"] = True
        elif key == "discriminator" and isinstance(value, str):
            out[key] = {"propertyName": value}
        elif key == "type" and value == "file":
            out["type"], out["format"] = "string", "binary"
        else:
            out[key] = _rewrite(value, memo)
    return out


def _rewrite_ref(ref: str) -> str:
    for old, new in _REF_PREFIXES:
        if ref.startswith(old):
            return new + ref[len(old) :]
    return ref


def _param_schema(param: dict[str, Any], memo: dict[int, Any]) -> dict[str, Any]:
    # Values are rewritten one by one: the memo is keyed by id(), which only document
    # nodes (alive for the whole conversion) may use, never a dict built here.
    schema = {key: _rewrite(param[key], memo) for key in _SCHEMA_FIELDS if key in param}
    if isinstance(param.get("items"), dict):
        schema["items"] = _param_schema(param["items"], memo)
    if schema.get("type") == "file":
        schema["type"], schema["format"] = "string", "binary"
    if "x-example" in param:
        schema["example"] = param["x-example"]
    return schema


def _parameter(param: dict[str, Any], memo: dict[int, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: param[key]
        for key in ("name", "in", "description", "required", "allowEmptyValue")
        if key in param
    }
    out["schema"] = _param_schema(param, memo)
    fmt = param.get("collectionFormat")
    if param.get("type") == "array" and isinstance(fmt, str):
        style, explode = _QUERY_STYLES.get(fmt, ("form", False))
        if param.get("in") in ("path", "header"):
            style = "simple"
        out["style"], out["explode"] = style, explode
    if "x-example" in param:
        out["example"] = param["x-example"]
    return out


def _deref_param(param: Any, doc: dict[str, Any]) -> Any:
    """Parameters are inlined because a body or formData one changes shape entirely."""
    seen: set[str] = set()
    while isinstance(param, dict) and isinstance(param.get("$ref"), str):
        ref = param["$ref"]
        if ref in seen or not ref.startswith("#/parameters/"):
            return param
        seen.add(ref)
        param = (doc.get("parameters") or {}).get(ref[len("#/parameters/") :])
    return param


def _operation(
    op: dict[str, Any], path_params: list[Any], doc: dict[str, Any], memo: dict[int, Any]
) -> dict[str, Any]:
    out = {
        key: _rewrite(value, memo)
        for key, value in op.items()
        if key not in ("parameters", "responses", "consumes", "produces", "schemes")
    }
    consumes = _media(op.get("consumes")) or _media(doc.get("consumes")) or ["application/json"]
    produces = _media(op.get("produces")) or _media(doc.get("produces")) or ["application/json"]
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*path_params, *(op.get("parameters") or [])]:
        param = _deref_param(raw, doc)
        if isinstance(param, dict):
            merged[(str(param.get("in")), str(param.get("name")))] = param
    params, form, body = [], [], None
    for param in merged.values():
        where = param.get("in")
        if where == "body":
            body = param
        elif where == "formData":
            form.append(param)
        elif isinstance(param.get("$ref"), str):
            params.append({"$ref": _rewrite_ref(param["$ref"])})
        else:
            params.append(_parameter(param, memo))
    if params:
        out["parameters"] = params
    if body is not None:
        schema = _rewrite(body["schema"], memo) if "schema" in body else {}
        out["requestBody"] = {
            "required": bool(body.get("required")),
            "content": {str(mt): {"schema": schema} for mt in consumes},
        }
        if body.get("description"):
            out["requestBody"]["description"] = body["description"]
    elif form:
        out["requestBody"] = _form_body(form, consumes, memo)
    responses = op.get("responses")
    if isinstance(responses, dict):
        out["responses"] = {
            str(code): _response(resp, produces, memo) for code, resp in responses.items()
        }
    return out


def _form_body(
    form: list[dict[str, Any]], consumes: list[Any], memo: dict[int, Any]
) -> dict[str, Any]:
    has_file = any(param.get("type") == "file" for param in form)
    media = (
        "multipart/form-data"
        if has_file or "multipart/form-data" in consumes
        else "application/x-www-form-urlencoded"
    )
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {str(p.get("name")): _param_schema(p, memo) for p in form},
    }
    required = [str(p.get("name")) for p in form if p.get("required")]
    if required:
        schema["required"] = required
    return {"required": bool(required), "content": {media: {"schema": schema}}}


def _response(resp: Any, produces: list[Any], memo: dict[int, Any]) -> Any:
    if not isinstance(resp, dict):
        return resp
    if isinstance(resp.get("$ref"), str):
        return {"$ref": _rewrite_ref(resp["$ref"])}
    out: dict[str, Any] = {"description": resp.get("description", "")}
    examples = as_dict(resp.get("examples"))
    if "schema" in resp:
        schema = _rewrite(resp["schema"], memo)
        out["content"] = {}
        for mt in produces:
            media: dict[str, Any] = {"schema": schema}
            if mt in examples:
                media["example"] = examples[mt]
            out["content"][str(mt)] = media
    if isinstance(resp.get("headers"), dict):
        out["headers"] = {
            str(name): {"schema": _param_schema(h, memo)} if isinstance(h, dict) else h
            for name, h in resp["headers"].items()
        }
    return out


def _security_scheme(scheme: Any) -> Any:
    if not isinstance(scheme, dict):
        return scheme
    kind = scheme.get("type")
    if kind == "basic":
        return {"type": "http", "scheme": "basic"}
    if kind == "oauth2":
        flow: dict[str, Any] = {"scopes": scheme.get("scopes") or {}}
        for key in ("authorizationUrl", "tokenUrl"):
            if key in scheme:
                flow[key] = scheme[key]
        name = _OAUTH_FLOWS.get(str(scheme.get("flow")), "implicit")
        return {"type": "oauth2", "flows": {name: flow}}
    return dict(scheme)


def _media(value: Any) -> list[str]:
    return [str(mt) for mt in as_list(value) if isinstance(mt, str)]


def convert_swagger2(
    doc: dict[str, Any], problems: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """An OpenAPI 3.0.3 rendering of a Swagger 2.0 ``doc`` (already known to be 2.0).

    An operation too malformed to convert is left out and reported in ``problems`` as
    ``("METHOD /path", reason)``.
    """
    memo: dict[int, Any] = {}
    out: dict[str, Any] = {"openapi": "3.0.3", "info": doc.get("info") or {}}
    host, base = doc.get("host"), doc.get("basePath") or ""
    if isinstance(host, str) and host:
        schemes = [s for s in as_list(doc.get("schemes")) if isinstance(s, str)] or ["https"]
        out["servers"] = [{"url": f"{scheme}://{host}{base}"} for scheme in schemes]
    elif isinstance(base, str) and base:
        out["servers"] = [{"url": base}]
    produces = _media(doc.get("produces")) or ["application/json"]
    components: dict[str, Any] = {}
    if isinstance(doc.get("definitions"), dict):
        components["schemas"] = _rewrite(doc["definitions"], memo)
    if isinstance(doc.get("parameters"), dict):
        components["parameters"] = {
            name: _parameter(p, memo)
            for name, p in doc["parameters"].items()
            if isinstance(p, dict) and p.get("in") not in ("body", "formData")
        }
    if isinstance(doc.get("responses"), dict):
        components["responses"] = {
            name: _response(r, produces, memo) for name, r in doc["responses"].items()
        }
    if isinstance(doc.get("securityDefinitions"), dict):
        components["securitySchemes"] = {
            name: _security_scheme(s) for name, s in doc["securityDefinitions"].items()
        }
    out["components"] = components
    for key in ("security", "tags", "externalDocs"):
        if key in doc:
            out[key] = doc[key]
    paths: dict[str, Any] = {}
    for path, item in doc["paths"].items():
        if not isinstance(item, dict):
            continue
        path_params = as_list(item.get("parameters"))
        new_item: dict[str, Any] = {}
        for method, op in item.items():
            if method in _METHODS and isinstance(op, dict):
                try:
                    new_item[method] = _operation(op, path_params, doc, memo)
                except Exception as exc:  # a malformed operation must not sink the rest
                    if problems is not None:
                        reason = f"not convertible from Swagger 2.0 ({type(exc).__name__})"
                        problems.append((f"{method.upper()} {path}", reason))
            elif method.startswith("x-"):
                new_item[method] = op
        paths[str(path)] = new_item
    out["paths"] = paths
    return out
