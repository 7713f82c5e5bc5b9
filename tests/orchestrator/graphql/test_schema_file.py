"""``docs/schema.graphql`` is the schema the code builds: CI fails when they differ."""

from __future__ import annotations

from pathlib import Path

from orchestrator.graphql.schema import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "schema.graphql"


def test_docs_schema_graphql_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), (
        "docs/schema.graphql is out of date: "
        "python -m orchestrator.graphql.sdl > docs/schema.graphql"
    )


def test_the_schema_is_read_only() -> None:
    text = sdl()
    assert "type Mutation" not in text and "type Subscription" not in text
