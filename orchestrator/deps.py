"""Dependencies declared once and reused by every route: session, runtime, principal
with scope, pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.errors import AuthenticationRequired, InsufficientScope
from orchestrator.auth.principal import Principal
from orchestrator.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Async on purpose: creating a Session does no I/O, and a sync dependency would cost a
# thread hop per request.
async def _session(request: Request) -> AsyncIterator[Session]:
    session = Session(get_runtime(request).engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


def require(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency giving the caller's principal, or 403 when it lacks ``scope``."""

    async def dependency(request: Request) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            raise AuthenticationRequired("an API key is required")
        if not principal.has(scope):
            raise InsufficientScope(f"this action needs the '{scope}' scope")
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


SessionDep = Annotated[Session, Depends(_session)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Reader = Annotated[Principal, Depends(require("read"))]
Writer = Annotated[Principal, Depends(require("write"))]
Admin = Annotated[Principal, Depends(require("admin"))]
