"""Dependencies declared once and reused by every route: session, runtime, the caller,
pagination.

What a route needs (its scope, and what keys limited to some apps may do there) is not
declared here nor on the route, but in one table, ``orchestrator.auth.routes``, which
``Authorized`` enforces for every API router (``orchestrator.app``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from core.errors import InsufficientScope
from orchestrator.auth.authorize import authorize, principal_of
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


async def _caller(request: Request) -> Principal:
    return principal_of(request)


def require(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency giving the caller's principal, or 403 when it lacks ``scope``. Routes
    declare their scope in ``orchestrator.auth.routes`` instead; this remains for checks
    a route makes beyond its declared one."""

    async def dependency(request: Request) -> Principal:
        principal = principal_of(request)
        if not principal.has(scope):
            raise InsufficientScope(f"this action needs the '{scope}' scope")
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


SessionDep = Annotated[Session, Depends(_session)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# The authenticated caller; the route table has already checked its scope.
Caller = Annotated[Principal, Depends(_caller)]
# Kept so that routes written before the route table still read as they did: the scope
# they name is now checked by the table, and these only give the caller.
Reader = Caller
Writer = Caller
Admin = Caller
# Attached to every API router by the app factory.
Authorized = Depends(authorize)
