"""Building GraphQL objects from the REST API's public models, field by field, so both
APIs answer with the same values."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def pick(cls: type[T], source: BaseModel, **overrides: Any) -> T:
    """An instance of the strawberry type ``cls`` holding ``source``'s values for every
    field both declare; ``overrides`` supply the rest (nested objects, private fields)."""
    known = type(source).model_fields
    values = {
        f.name: getattr(source, f.name)
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in known and f.name not in overrides
    }
    return cls(**values, **overrides)


# Types that refer to each other (a run's job, a job's app) build each other through this
# table instead of importing each other, so the modules' imports stay free of loops.
_BUILDERS: dict[str, Callable[[Any], Any]] = {}


def register(kind: str, builder: Callable[[Any], Any]) -> None:
    """Make ``build(kind, row)`` call ``builder`` (each type module registers its own)."""
    _BUILDERS[kind] = builder


def build(kind: str, row: Any) -> Any:
    """The GraphQL object of ``kind`` (``"app"``, ``"job"``) for a storage row."""
    return _BUILDERS[kind](row)
