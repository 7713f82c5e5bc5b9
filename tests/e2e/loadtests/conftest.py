"""Load tests share the jobs fixtures (serve with worker threads, a pets target)."""

from tests.e2e.jobs.conftest import client, serve, target  # noqa: F401
