"""Security headers on every response (pure ASGI, outermost, so error answers and
static files get them too).

- ``X-Content-Type-Options: nosniff``: a JSON answer echoing user text is never
  sniffed into HTML or script.
- ``Referrer-Policy: no-referrer``: URLs (job ids, filters) do not leak to other sites.
- HTML without a ``Content-Security-Policy`` of its own (``/``, ``/docs``, ``/redoc``)
  gets :data:`HTML_CSP`: scripts, fonts, images and connections from this origin only.
  Pages that need more precise rules (the dashboard, the GraphQL explorer, the inline
  start-up script of Swagger UI) set their own, which is kept.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Styles may be inline: ReDoc (styled-components) and Swagger UI write <style> elements
# at run time. Scripts may not. ReDoc's search runs in a worker built from a blob: URL.
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))
_CSP = b"content-security-policy"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, html_csp: str = HTML_CSP) -> None:
        self.app = app
        self.html_csp = html_csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in ALWAYS if h[0] not in present)
                if _CSP not in present and _is_html(headers):
                    headers.append((_CSP, self.html_csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/html")
        for name, value in headers
    )
