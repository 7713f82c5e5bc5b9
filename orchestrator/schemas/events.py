"""Models of the event feed, for the OpenAPI document (the feed's lines are written by
``orchestrator.services.event_feed`` directly, not through these)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FeedEvent(BaseModel):
    seq: int = Field(description="1, 2, 3… per job, no gaps")
    job_id: str
    app_id: str | None = Field(description="the job's app")
    type: str = Field(description="e.g. job.started, step.completed, load.stats")
    status: str = Field(description="the job's status when the event was appended")
    timestamp: str = Field(description="RFC 3339, UTC, milliseconds")
    data: dict[str, Any]


class FeedPagination(BaseModel):
    has_next_page: bool = Field(description="false: this page reached the feed's end (for now)")
    next_cursor: str | None = Field(
        description="pass as `after` for the next page; set on the last page too, to poll "
        "later for what came since (null only while the feed has never had an event)"
    )
    total_count: int | None = Field(description="always null: counting means reading it all")


class FeedMeta(BaseModel):
    request_id: str
    timestamp: str
    pagination: FeedPagination


class FeedPageEnvelope(BaseModel):
    data: list[FeedEvent]
    meta: FeedMeta
