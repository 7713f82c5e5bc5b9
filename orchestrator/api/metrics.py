"""GET /metrics: Prometheus' scrape, outside /client/v1 (no API key: a token of its own,
or loopback only; see orchestrator.metrics.scrape)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orchestrator.metrics.scrape import Exposition

router = APIRouter(tags=["ops"])


@router.get("/metrics", include_in_schema=False)
def scrape(request: Request) -> Response:
    exposition: Exposition = request.app.state.metrics
    client = request.client.host if request.client else None
    exposition.admit(client, request.headers.get("authorization"))
    body, content_type = exposition.render(request.headers.get("accept"))
    return Response(body, media_type=content_type)
