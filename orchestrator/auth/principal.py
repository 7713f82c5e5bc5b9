"""Who is calling: the key's identity, organization, scopes and app limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.auth import scopes as scope_catalogue

SCOPES = scope_catalogue.COARSE


def effective_scopes(granted: list[str]) -> frozenset[str]:
    return scope_catalogue.effective(granted)


@dataclass(frozen=True)
class Principal:
    key_id: str
    key_name: str
    org_id: str
    org_name: str
    granted: tuple[str, ...]
    expires_at: float | None
    # The apps the key is limited to; None: every app of the organization.
    app_ids: frozenset[str] | None = None
    scopes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Computed once: the principal is cached and asked on every request.
        object.__setattr__(self, "scopes", scope_catalogue.effective(self.granted))

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def sees_app(self, app_id: str | None) -> bool:
        """True when the key may see the app (a job without an app is seen only by keys
        that are not limited to some apps)."""
        return self.app_ids is None or (app_id is not None and app_id in self.app_ids)
