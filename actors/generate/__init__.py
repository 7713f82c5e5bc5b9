"""Suites from OpenAPI documents: deterministic, never crashing on a document it can
partly use (see DESIGN decision 7)."""

from actors.generate.generator import DEFAULT_MAX_TEST_SUITES, generate_suites
from actors.generate.loader import (
    InvalidOpenAPIDocument,
    LoadedDocument,
    load_document,
    validate_openapi_document,
)
from actors.generate.offline import generate_to_directory
from actors.generate.result import (
    GeneratedSuite,
    GenerationResult,
    OperationOutcome,
    Skipped,
)

__all__ = [
    "DEFAULT_MAX_TEST_SUITES",
    "GeneratedSuite",
    "GenerationResult",
    "InvalidOpenAPIDocument",
    "LoadedDocument",
    "OperationOutcome",
    "Skipped",
    "generate_suites",
    "generate_to_directory",
    "load_document",
    "validate_openapi_document",
]
