"""What a step observed: the contract between the HTTP layer (the runner's httpx client,
Locust's FastHttpUser) and the pure parts that judge it (assertions, extraction, noise)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_UNPARSED = object()


@dataclass
class ObservedResponse:
    """A response as received. ``headers`` keys are lower-case.

    ``body`` is the (possibly truncated) raw body; ``truncated`` says whether the size cap
    cut it. ``json()`` parses lazily and caches; it returns ``(ok, value)``.
    """

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float
    truncated: bool = False
    _json: Any = field(default=_UNPARSED, repr=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> tuple[bool, Any]:
        if self._json is _UNPARSED:
            try:
                self._json = (True, json.loads(self.body)) if self.body else (False, None)
            except ValueError:
                self._json = (False, None)
        ok, value = self._json
        return ok, value
