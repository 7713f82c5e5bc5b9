"""The cost estimate: objects a query can produce, with page sizes from literals,
variables, defaults and fragments."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from orchestrator.graphql.limits import query_cost


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return query_cost(operation, fragments, variables or {})


def test_scalars_are_free() -> None:
    assert cost("{ me { keyId keyName } }") == 1


def test_a_connection_multiplies_what_is_below_it() -> None:
    # apps 1 + nodes 10 + each app's testRuns 10 + their nodes 10 x 5
    assert (
        cost("{ apps(first: 10) { nodes { testRuns(first: 5) { nodes { id } } } } }")
        == 1 + 10 + 10 + 50
    )


def test_edges_and_node_count_like_nodes() -> None:
    assert cost("{ apps(first: 10) { edges { node { id } } } }") == 1 + 10 + 10


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($n: Int!) { apps(first: $n) { nodes { id } } }", {"n": 7}),
        ("query($n: Int = 7) { apps(first: $n) { nodes { id } } }", {}),
        ("fragment F on App { id } { apps(first: 7) { nodes { ...F } } }", {}),
    ],
    ids=["variable", "variable-default", "fragment"],
)
def test_sizes_come_from_variables_and_fragments(query: str, variables: dict[str, Any]) -> None:
    assert cost(query, variables) == 1 + 7


def test_an_absent_first_counts_the_default_page() -> None:
    assert cost("{ apps { nodes { id } } }") == 1 + 20


def test_unbatched_lookups_weigh_more() -> None:
    assert cost('{ app(id: "a") { schemaCoverage { basis } } }') == 1 + 50
