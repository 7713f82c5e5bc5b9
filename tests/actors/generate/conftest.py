"""Test data for the generator: public documents (tests/data/openapi/public), edge cases
(tests/data/openapi/edge) and hand-written descriptions of the live pets target."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parents[2] / "data" / "openapi"
PUBLIC = sorted(p for p in (DATA / "public").iterdir() if p.suffix in (".json", ".yaml"))
EDGE = sorted((DATA / "edge").glob("*.yaml"))
ALL_DOCUMENTS = [*PUBLIC, *EDGE, DATA / "pets-crud.yaml", DATA / "pets-crud-swagger2.yaml"]


def read(name: str) -> str:
    """The text of a document under tests/data/openapi (e.g. 'edge/circular.yaml')."""
    return (DATA / name).read_text()
