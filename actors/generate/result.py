"""What a generation run returns: candidate suites best first, and what happened to each
operation (with reasons for everything left out)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from runner import Suite

CaseKind = Literal["flow", "positive", "negative"]


class GeneratedSuite(BaseModel):
    suite: Suite
    operation: str = Field(description='The operation the suite is about: "METHOD /path".')
    operations: list[str] = Field(description="Every operation its steps call, in order.")
    kind: CaseKind
    fallback: bool = Field(
        default=False,
        description="Tried in case the suite before it, about the same operation, fails: "
        "the valid request alone, with generated values instead of ids earlier steps give.",
    )
    priority: int = Field(description="0 is the most valuable; ties keep document order.")
    slug: str = Field(description="A stable, unique file-name stem.")


class OperationOutcome(BaseModel):
    operation: str
    status: Literal["generated", "skipped", "ignored"]
    cases: int = Field(default=0, description="Cases built about this operation.")
    candidates: int = Field(default=0, description="Of those, kept as candidate suites.")
    selected: int = Field(default=0, description="Of those, within max_test_suites.")
    reasons: list[str] = Field(default_factory=list, description="Skips and limitations.")


class Skipped(BaseModel):
    target: str = Field(description='"METHOD /path", or "* /path" for a whole path item.')
    reason: str


class GenerationResult(BaseModel):
    source_version: str = Field(description='As declared: "2.0", "3.0.3", "3.1.0"...')
    server_path: str = Field(
        default="",
        description="Path part of the first server URL ('/v1'); suite paths do not include "
        "it, so a base URL for runs should.",
    )
    max_test_suites: int
    total_cases: int = Field(description="Cases built in all; the best become candidates.")
    candidates: list[GeneratedSuite] = Field(description="Suites kept, best first.")
    operations: list[OperationOutcome]
    skipped: list[Skipped]

    @property
    def suites(self) -> list[GeneratedSuite]:
        """The first ``max_test_suites`` candidates, fallbacks aside: what a generation
        that checks nothing (``gauntlet generate``) keeps."""
        return [c for c in self.candidates if not c.fallback][: self.max_test_suites]
