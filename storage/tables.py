"""Imports every module that defines tables, so that SQLModel.metadata is complete
(for migrations and for tests that create schemas)."""

from storage import (
    generation_models,  # noqa: F401
    models,  # noqa: F401
    plans,  # noqa: F401
    suite_versions,  # noqa: F401
    usage,  # noqa: F401
    webhook_models,  # noqa: F401
    worker_heartbeats,  # noqa: F401
)
from storage.events import sql  # noqa: F401
