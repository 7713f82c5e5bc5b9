"""The calling key."""

from __future__ import annotations

import strawberry

from orchestrator.auth.principal import Principal


@strawberry.type
class Organization:
    id: strawberry.ID
    name: str


@strawberry.type(description="The calling key's identity, organization and scopes.")
class Me:
    key_id: str
    key_name: str
    organization: Organization
    scopes: list[str] = strawberry.field(description="Effective (admin ⊃ write ⊃ read).")
    granted_scopes: list[str]
    expires_at: int | None
    app_ids: list[str] | None = strawberry.field(
        description="The apps the key is limited to; null when it is not limited."
    )

    @classmethod
    def from_principal(cls, principal: Principal) -> Me:
        return cls(
            key_id=principal.key_id,
            key_name=principal.key_name,
            organization=Organization(id=strawberry.ID(principal.org_id), name=principal.org_name),
            scopes=sorted(principal.scopes),
            granted_scopes=list(principal.granted),
            expires_at=int(principal.expires_at) if principal.expires_at else None,
            app_ids=sorted(principal.app_ids) if principal.app_ids is not None else None,
        )
