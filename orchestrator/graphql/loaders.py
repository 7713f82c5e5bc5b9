"""Per-request DataLoaders: what a nested query asks for across many parents is fetched
in one batch from the services, so ``apps → testRuns → suiteReports`` costs a few
statements per level, never one per parent.

A loader is keyed by its field's arguments as well (``testRuns(first: 5)`` and
``testRuns(first: 10)`` batch separately). Batch functions are the services' batch
functions; they run on the request's own thread and session (see ``execute``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from sqlmodel import Session
from strawberry.dataloader import DataLoader

from orchestrator.schemas.generation import GenerationHistoryEntry
from orchestrator.services import apps as app_service
from orchestrator.services import generation as generation_service
from orchestrator.services import jobs as job_service
from orchestrator.services import load_tests as load_test_service
from orchestrator.services import runs as run_service
from orchestrator.services import suites as suite_service
from storage.models import App, Job, LoadTest, SuiteReport, TestRun, TestSuite
from storage.pages import Page

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
HistoryPage = tuple[list[GenerationHistoryEntry], bool, int]


class Loaders:
    """The loaders of one request, made on first use inside its event loop."""

    def __init__(self, session: Session, org_id: str) -> None:
        self.session = session
        self.org_id = org_id
        self._made: dict[tuple[Any, ...], DataLoader[Any, Any]] = {}

    def _loader(
        self,
        name: tuple[Any, ...],
        batch: Callable[[list[K]], Mapping[K, V]],
        missing: V | None = None,
    ) -> DataLoader[K, V | None]:
        loader = self._made.get(name)
        if loader is None:

            async def load(keys: list[K]) -> list[V | None]:
                found = batch(list(dict.fromkeys(keys)))
                return [found.get(key, missing) for key in keys]

            loader = DataLoader(load_fn=load)
            self._made[name] = loader
        return loader

    def app(self) -> DataLoader[str, App | None]:
        return self._loader(
            ("app",), lambda ids: app_service.by_ids(self.session, self.org_id, ids)
        )

    def job(self) -> DataLoader[str, Job | None]:
        return self._loader(
            ("job",), lambda ids: job_service.by_ids(self.session, self.org_id, ids)
        )

    def runs_of_app(self, offset: int, limit: int) -> DataLoader[str, Page[TestRun] | None]:
        return self._loader(
            ("runs", offset, limit),
            lambda ids: run_service.page_runs_of_apps(
                self.session, self.org_id, ids, offset, limit
            ),
        )

    def reports_of_run(self, after_pk: int, size: int) -> DataLoader[str, Page[SuiteReport] | None]:
        return self._loader(
            ("reports", after_pk, size),
            lambda ids: run_service.page_reports_of_runs(self.session, ids, after_pk, size),
        )

    def suites_of_app(self, after_pk: int, size: int) -> DataLoader[str, Page[TestSuite] | None]:
        return self._loader(
            ("suites", after_pk, size),
            lambda ids: suite_service.pages_of_apps(self.session, self.org_id, ids, after_pk, size),
        )

    def load_tests_of_app(self, offset: int, limit: int) -> DataLoader[str, Page[LoadTest] | None]:
        return self._loader(
            ("load_tests", offset, limit),
            lambda ids: load_test_service.pages_of_apps(
                self.session, self.org_id, ids, offset, limit
            ),
        )

    def history_of_app(self, offset: int, limit: int) -> DataLoader[str, HistoryPage | None]:
        return self._loader(
            ("history", offset, limit),
            lambda ids: generation_service.history_of_apps(
                self.session, self.org_id, ids, offset, limit
            ),
        )
