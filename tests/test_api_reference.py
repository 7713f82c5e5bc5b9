"""``docs/api.md`` is rendered from the app's OpenAPI document by ``scripts/api-reference``:
CI fails when a route, parameter or field changed and the reference was not regenerated."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def generator() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(
        "api_reference", str(ROOT / "scripts" / "api-reference")
    )
    spec = importlib.util.spec_from_loader("api_reference", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_docs_api_md_matches_the_code() -> None:
    assert (ROOT / "docs" / "api.md").read_text() == generator().render(), (
        "docs/api.md is out of date: run scripts/api-reference"
    )


def test_the_reference_covers_every_route_of_the_openapi_document() -> None:
    module = generator()
    doc = module.openapi_document()
    text = (ROOT / "docs" / "api.md").read_text()
    for path, item in doc["paths"].items():
        for method in item:
            assert f"#### `{method.upper()} {path}`" in text
    for code in ("VALIDATION_ERROR", "QUOTA_EXCEEDED", "SERVICE_UNAVAILABLE", "METHOD_NOT_ALLOWED"):
        assert f"`{code}`" in text
    for event_type in ("job.queued", "step.completed", "load.stats", "job.cancelled"):
        assert f"`{event_type}`" in text
    assert "../shared" not in text
