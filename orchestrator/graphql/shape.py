"""Errors answered before the GraphQL endpoint runs (no key, too little scope, rate
limited, body too large, service unavailable) come from the guard middleware and the
exception handlers as the REST envelope. This outermost ASGI layer re-shapes them, for
the GraphQL path only, into GraphQL's ``{"errors": [...]}`` with the same status,
headers, code and message: a GraphQL client sees one error shape."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.graphql.errors import rest_envelope_to_graphql


class GraphQLErrorShape:
    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        chunks: list[bytes] = []

        async def reshaping_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] >= 400:
                    held.append(message)  # the body decides
                    return
                await send(message)
            elif held and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await _send_reshaped(send, held[0], b"".join(chunks))
            else:
                await send(message)

        await self.app(scope, receive, reshaping_send)


async def _send_reshaped(send: Send, start: Message, body: bytes) -> None:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and "error" in parsed and "errors" not in parsed:
        body = orjson.dumps(rest_envelope_to_graphql(parsed))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        start = {**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
    await send(start)
    await send({"type": "http.response.body", "body": body})
