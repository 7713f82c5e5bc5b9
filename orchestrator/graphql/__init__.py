"""The read-only GraphQL API over the same services as the REST routes, and its explorer.

- ``route``: ``/client/v1/graphql`` (POST, GET) and ``/graphql/explorer``.
- ``schema``, ``query``, ``types/``: the schema, built with Strawberry.
- ``loaders``: per-request batching; ``limits``: depth, aliases, tokens and cost.
- ``errors``, ``shape``: every error in GraphQL's shape with the REST codes.
"""

from orchestrator.graphql.route import EXPLORER_PATH, GRAPHQL_PATH, explorer_router, router
from orchestrator.graphql.shape import GraphQLErrorShape

__all__ = ["EXPLORER_PATH", "GRAPHQL_PATH", "GraphQLErrorShape", "explorer_router", "router"]
