"""Pushing a directory of suite files in one request (``gauntlet suites push``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from orchestrator.schemas.common import RequestModel
from runner import Suite

# Bounded like bulk deletion: one request, one transaction.
MAX_SYNC_SUITES = 1000

SyncAction = Literal["create", "update", "unchanged", "delete"]


class SuiteSync(RequestModel):
    suites: list[Suite] = Field(
        max_length=MAX_SYNC_SUITES,
        description="Every suite the app should have, matched to the app's suites by name.",
    )
    prune: bool = Field(
        default=False, description="Delete the app's suites whose name is not in `suites`."
    )
    dry_run: bool = Field(default=False, description="Say what would change; change nothing.")


class SyncItem(BaseModel):
    action: SyncAction
    name: str
    index: int | None = Field(description="Position in the request's `suites`; null for delete.")
    id: str | None = Field(description="The suite's id (null for a create in a dry run).")
    version: int | None = Field(description="Its version after the push (null once deleted).")
    previous_version: int | None = Field(description="Its version before (null for a create).")


class SyncResult(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    deleted: int
    items: list[SyncItem] = Field(description="One per suite of the request, then deletions.")
