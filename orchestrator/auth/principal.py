"""Who is calling: the key's identity, organization and effective scopes."""

from __future__ import annotations

from dataclasses import dataclass

SCOPES = ("read", "write", "admin")
# admin implies write implies read.
_IMPLIED = {"admin": {"admin", "write", "read"}, "write": {"write", "read"}, "read": {"read"}}


def effective_scopes(granted: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for scope in granted:
        out |= _IMPLIED.get(scope, set())
    return frozenset(out)


@dataclass(frozen=True)
class Principal:
    key_id: str
    key_name: str
    org_id: str
    org_name: str
    granted: tuple[str, ...]
    expires_at: float | None

    @property
    def scopes(self) -> frozenset[str]:
        return effective_scopes(list(self.granted))

    def has(self, scope: str) -> bool:
        return scope in self.scopes
