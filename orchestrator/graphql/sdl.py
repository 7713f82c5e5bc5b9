"""Print the schema's SDL: ``python -m orchestrator.graphql.sdl > docs/schema.graphql``."""

from __future__ import annotations

import sys

from orchestrator.graphql.schema import sdl

if __name__ == "__main__":
    sys.stdout.write(sdl())
