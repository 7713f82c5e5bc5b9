"""What every resolver gets as ``info.context``: the caller, the request's session and
the runtime, and the request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from sqlmodel import Session

from orchestrator.auth.principal import Principal
from orchestrator.graphql.loaders import Loaders
from orchestrator.pagination import CursorKey
from orchestrator.runtime import Runtime


@dataclass
class Context:
    principal: Principal
    session: Session
    runtime: Runtime
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session, self.principal.org_id)

    @property
    def org_id(self) -> str:
        return self.principal.org_id

    @property
    def cursor_key(self) -> CursorKey:
        """Cursors sealed for the caller's organization only."""
        return CursorKey(self.runtime.cursor_key, self.principal.org_id)


Info = strawberry.Info[Context, None]
