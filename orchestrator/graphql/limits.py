"""What one query may ask for: depth, aliases, tokens (Strawberry's own limiters) and an
estimated cost, so that no query can make the server read more than a bounded amount.

The cost is the number of objects a query can produce at most: every field with a
selection counts once per parent object, and a list with ``first`` (connections) or
``limit`` (events) multiplies what is below it by that page size. Fields the loaders
cannot batch weigh more. Scalars are free. Variables are read from the request (their
defaults, or the maximum page size when absent), so the estimate is the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from orchestrator.graphql.connections import DEFAULT_PAGE
from orchestrator.pagination import MAX_PAGE

# Connections count as two levels (edges, node): this admits
# apps → testRuns → suiteReports → steps → assertions, written either way.
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
# About what 200 REST list pages of 100 items return.
MAX_COST = 20_000
# Field arguments that size a list, with their defaults.
PAGE_ARGUMENTS = {"first": DEFAULT_PAGE, "limit": 100}
# A connection's fields that hold its page.
LIST_FIELDS = ("edges", "nodes")
# Fields each answered with queries of their own (not batched), weighed by their work.
WEIGHTS = {
    "schemaCoverage": 50,
    "generation": 10,
    "events": 5,
    "testSuite": 5,
    "testRun": 5,
    "suiteReport": 5,
    "loadTest": 5,
}


def _size(
    field: FieldNode, name: str, variables: Mapping[str, Any], defaults: Mapping[str, Any]
) -> int:
    """The page size ``field`` asks for through argument ``name`` (its default if absent)."""
    for argument in field.arguments or ():
        if argument.name.value != name:
            continue
        value: Any = argument.value
        if isinstance(value, VariableNode):
            value = variables.get(value.name.value, defaults.get(value.name.value))
        elif isinstance(value, IntValueNode):
            value = int(value.value)
        # Anything else counts as the largest page (the field itself refuses bad sizes).
        return value if isinstance(value, int) and value > 0 else MAX_PAGE
    return PAGE_ARGUMENTS[name]


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            defaults[definition.variable.name.value] = int(definition.default_value.value)
    return defaults


def query_cost(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """The most objects ``operation`` can produce (see the module's docstring)."""
    defaults = _variable_defaults(operation)

    def fields(selection_set: SelectionSetNode, seen: frozenset[str]) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is not None and not selection.name.value.startswith(
                    "__"
                ):
                    yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                # A fragment spread inside itself is invalid; count it once.
                if fragment is not None and name not in seen:
                    yield from fields(fragment.selection_set, seen | {name})

    def cost(selection_set: SelectionSetNode, parents: int, seen: frozenset[str]) -> int:
        total = 0
        for field in fields(selection_set, seen):
            assert field.selection_set is not None
            total += parents * WEIGHTS.get(field.name.value, 1)
            if any(s.name.value in LIST_FIELDS for s in fields(field.selection_set, seen)):
                items = parents * _size(field, "first", variables, defaults)
                for inner in fields(field.selection_set, seen):
                    assert inner.selection_set is not None
                    count = items if inner.name.value in LIST_FIELDS else parents
                    total += count + cost(inner.selection_set, count, seen)
            elif field.name.value == "events":
                items = parents * _size(field, "limit", variables, defaults)
                total += items + cost(field.selection_set, items, seen)
            else:
                total += cost(field.selection_set, parents, seen)
        return total

    return cost(operation.selection_set, 1, frozenset())


def cost_rule(max_cost: int, variables: Mapping[str, Any]) -> type[ValidationRule]:
    """A validation rule refusing operations whose cost exceeds ``max_cost``."""

    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            fragments = {
                d.name.value: d
                for d in context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    found = query_cost(definition, fragments, variables)
                    if found > max_cost:
                        context.report_error(
                            GraphQLError(
                                f"query too costly: up to {found} objects, at most "
                                f"{max_cost} allowed; ask for smaller pages (first) or "
                                "fewer nested lists",
                                definition,
                            )
                        )

    return QueryCostRule


class QueryCostLimiter(SchemaExtension):
    """Adds ``cost_rule`` with the request's variables to the request's validation."""

    def __init__(self, *, max_cost: int = MAX_COST) -> None:
        self.max_cost = max_cost

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        variables = context.variables or {}
        context.validation_rules = (*context.validation_rules, cost_rule(self.max_cost, variables))
        yield


def extensions() -> list[Callable[[], SchemaExtension]]:
    """The limit extensions, as factories: Strawberry makes one of each per request."""
    return [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        QueryCostLimiter,
    ]
