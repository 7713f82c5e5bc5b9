"""The credentials an app's target needs, applied to every request of the app's jobs.

Four kinds, as in the API: bearer token, basic, a fixed header, a query parameter.
The secrets they hold are listed by :func:`secrets_of` so that recorded requests,
responses and error messages can be masked. They go only to the origin (scheme, host,
port) of the job's base URL (:func:`same_origin`): a step whose URL is a whole URL
elsewhere, e.g. a link the target returned, is sent without them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Auth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BearerAuth(_Auth):
    type: Literal["bearer"] = "bearer"
    token: str = Field(min_length=1)


class BasicAuth(_Auth):
    type: Literal["basic"] = "basic"
    username: str
    password: str


class HeaderAuth(_Auth):
    type: Literal["header"] = "header"
    name: str = Field(min_length=1)
    value: str


class QueryAuth(_Auth):
    type: Literal["query"] = "query"
    name: str = Field(min_length=1)
    value: str


TargetAuth = Annotated[BearerAuth | BasicAuth | HeaderAuth | QueryAuth, Field(discriminator="type")]
_ADAPTER: TypeAdapter[BearerAuth | BasicAuth | HeaderAuth | QueryAuth] = TypeAdapter(TargetAuth)
AnyAuth = BearerAuth | BasicAuth | HeaderAuth | QueryAuth


def parse_auth(value: AnyAuth | Mapping[str, Any] | None) -> AnyAuth | None:
    """A model from the app's stored dict (or a model, or None).

    Raises ``pydantic.ValidationError`` for an unknown type or a missing field.
    """
    if value is None or isinstance(value, _Auth):
        return value
    return _ADAPTER.validate_python(dict(value))


def auth_headers(auth: AnyAuth | None) -> dict[str, str]:
    """The headers ``auth`` adds to a request (none for query auth)."""
    if isinstance(auth, BearerAuth):
        return {"Authorization": f"Bearer {auth.token}"}
    if isinstance(auth, BasicAuth):
        pair = f"{auth.username}:{auth.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    if isinstance(auth, HeaderAuth):
        return {auth.name: auth.value}
    return {}


def auth_query(auth: AnyAuth | None) -> dict[str, str]:
    """The query parameters ``auth`` adds to a request."""
    return {auth.name: auth.value} if isinstance(auth, QueryAuth) else {}


def secrets_of(auth: AnyAuth | None) -> tuple[str, ...]:
    """The values that must never appear in a record: token, password, header/query
    value, and the encoded basic credentials."""
    if isinstance(auth, BearerAuth):
        return (auth.token,)
    if isinstance(auth, BasicAuth):
        encoded = auth_headers(auth)["Authorization"].removeprefix("Basic ")
        return tuple(s for s in (auth.password, encoded) if s)
    if isinstance(auth, HeaderAuth | QueryAuth):
        return (auth.value,) if auth.value else ()
    return ()


def secret_names(auth: AnyAuth | None) -> tuple[frozenset[str], frozenset[str]]:
    """(header names, query names) whose values ``auth`` makes secret (lower-case)."""
    if isinstance(auth, HeaderAuth):
        return frozenset({auth.name.lower()}), frozenset()
    if isinstance(auth, QueryAuth):
        return frozenset(), frozenset({auth.name.lower()})
    return frozenset(), frozenset()


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute URL, the port made explicit; None when
    ``url`` has no host or cannot be parsed."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host:
        return None
    default = {"http": 80, "https": 443}.get(scheme, 0)
    return scheme, host.rstrip("."), port or default


def same_origin(url: str, base_url: str) -> bool:
    """Whether ``url`` goes to the origin of ``base_url`` (where credentials may go)."""
    here = origin(url)
    return here is not None and here == origin(base_url)
