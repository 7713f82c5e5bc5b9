"""The schema: the read-only ``Query`` root with the limits of ``limits``; its SDL is
``docs/schema.graphql`` (``python -m orchestrator.graphql.sdl`` writes it)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from orchestrator.graphql import limits
from orchestrator.graphql.query import Query


class GauntletSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with its stack, a missing app included; the
        # response builder (``errors.format_error``) logs the unexpected ones instead.
        return None


def build_schema() -> GauntletSchema:
    return GauntletSchema(query=Query, extensions=limits.extensions())


schema = build_schema()


def sdl() -> str:
    """The schema in SDL, as ``docs/schema.graphql`` holds it."""
    return schema.as_str().rstrip("\n") + "\n"


__all__ = ["GauntletSchema", "schema", "sdl"]
