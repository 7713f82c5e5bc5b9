"""Where the app's secret goes: read from the document's ``securitySchemes`` and the
security requirements of its operations, so that a user gives only the secret.

An app carries one credential. The document says, per operation, which schemes it
accepts (alternatives; an empty requirement means "no credential needed"). Each scheme
puts a secret in one place — ``Authorization: Bearer`` (HTTP bearer, OAuth 2, OpenID
Connect), ``Authorization: Basic``, or a named header, query parameter or cookie (API
keys). The placement accepted by the most operations wins; the app's own placement is
kept when it does as well. Operations that accept none of it are named, not guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from actors.generate._coerce import as_dict, as_list
from actors.generate.operations import METHODS
from actors.generate.refs import RefError, Resolver

PlacementKind = Literal["bearer", "basic", "header", "query", "cookie"]


@dataclass(frozen=True)
class Placement:
    """Where a secret is sent: ``kind`` and, for API keys, the parameter's ``name``."""

    kind: PlacementKind
    name: str = ""

    def describe(self) -> str:
        if self.kind == "bearer":
            return "the Authorization header as a bearer token"
        if self.kind == "basic":
            return "the Authorization header as basic credentials"
        return f"the {self.kind} {self.name!r}"

    def as_dict(self) -> dict[str, str]:
        return {"in": self.kind, "name": self.name} if self.name else {"in": self.kind}


@dataclass
class AuthDecision:
    """The auth generation checks with (and runs then send), and why."""

    auth: dict[str, Any] | None
    placement: Placement | None = None
    changed: bool = False  # the app's auth is sent elsewhere than it was configured
    summary: str = ""
    evidence: list[str] = field(default_factory=list)
    unsatisfied: list[str] = field(default_factory=list)  # operations needing another scheme


def scheme_placement(scheme: Any) -> Placement | None:
    """The placement one security scheme asks for; None for schemes a single secret
    cannot satisfy (mutual TLS, digest, a malformed scheme)."""
    scheme = as_dict(scheme)
    kind = scheme.get("type")
    if kind == "apiKey":
        where, name = scheme.get("in"), scheme.get("name")
        if where in ("header", "query", "cookie") and isinstance(name, str) and name:
            return Placement(where, name)
        return None
    if kind == "http":
        http = str(scheme.get("scheme", "")).lower()
        return (
            Placement("bearer")
            if http == "bearer"
            else Placement("basic")
            if http == "basic"
            else None
        )
    if kind in ("oauth2", "openIdConnect"):
        return Placement("bearer")
    return None


def current_placement(auth: dict[str, Any] | None) -> Placement | None:
    """Where the app's auth puts its secret today."""
    if not auth:
        return None
    kind, name = auth.get("type"), str(auth.get("name") or "")
    if kind in ("bearer", "basic"):
        return Placement(kind)
    if kind == "header" and name.lower() == "cookie":
        return Placement("cookie", str(auth.get("value", "")).split("=", 1)[0])
    if kind in ("header", "query"):
        return Placement(kind, name)
    return None


def _same(a: Placement, b: Placement) -> bool:
    case_blind = a.kind == "header"  # header names are case-insensitive, the rest are not
    if a.kind != b.kind:
        return False
    return a.name.lower() == b.name.lower() if case_blind else a.name == b.name


def place_secret(auth: dict[str, Any], placement: Placement) -> dict[str, Any]:
    """``auth``'s secret sent where ``placement`` says. The secret is the token or value;
    of basic credentials, the password; for basic placement, a secret ``user:password``
    is split at its first colon."""
    kind = auth.get("type")
    if placement.kind == "basic":
        if kind == "basic":
            return dict(auth)
        user, _, password = _secret(auth).partition(":")
        return {"type": "basic", "username": user, "password": password}
    secret = _secret(auth)
    if placement.kind == "bearer":
        return {"type": "bearer", "token": secret}
    if placement.kind == "cookie":
        return {"type": "header", "name": "Cookie", "value": f"{placement.name}={secret}"}
    return {"type": placement.kind, "name": placement.name, "value": secret}


def _secret(auth: dict[str, Any]) -> str:
    kind = auth.get("type")
    if kind == "bearer":
        return str(auth.get("token", ""))
    if kind == "basic":
        return str(auth.get("password", ""))
    value = str(auth.get("value", ""))
    if kind == "header" and str(auth.get("name", "")).lower() == "cookie" and "=" in value:
        return value.split("=", 1)[1]
    return value


def requirements(document: dict[str, Any], resolver: Resolver) -> dict[str, list[Placement] | None]:
    """Per operation (``"METHOD /path"``): None when it needs no credential, else the
    placements any one of which satisfies it (empty: none a single secret can)."""
    schemes: dict[str, Placement | None] = {}
    for name, raw in as_dict(as_dict(document.get("components")).get("securitySchemes")).items():
        try:
            schemes[name] = scheme_placement(resolver.deref(raw))
        except RefError:
            schemes[name] = None
    top = document.get("security")
    out: dict[str, list[Placement] | None] = {}
    for path, item in as_dict(document.get("paths")).items():
        try:
            item = as_dict(resolver.deref(item))
        except RefError:
            continue
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                wanted = op.get("security", top)
                out[f"{method.upper()} {path}"] = _accepted(as_list(wanted), schemes)
    return out


def _accepted(
    alternatives: list[Any], schemes: dict[str, Placement | None]
) -> list[Placement] | None:
    if not alternatives or any(isinstance(a, dict) and not a for a in alternatives):
        return None  # no requirement, or an empty one: anonymous access is documented
    found: list[Placement] = []
    for alternative in alternatives:
        names = list(as_dict(alternative))
        # Two schemes required together cannot both be met with one secret.
        if len(names) == 1 and schemes.get(names[0]) is not None:
            placement = schemes[names[0]]
            if placement is not None and not any(_same(placement, p) for p in found):
                found.append(placement)
    return found


def decide_auth(
    document: dict[str, Any], resolver: Resolver, auth: dict[str, Any] | None
) -> AuthDecision:
    """Where to send the app's secret, for ``document``; ``auth`` is the app's."""
    needs = {
        key: accepted
        for key, accepted in requirements(document, resolver).items()
        if accepted is not None
    }
    mine = current_placement(auth)
    if not needs:
        return AuthDecision(auth, mine, summary="the document asks for no credential")
    counts: list[tuple[Placement, int]] = []
    for accepted in needs.values():
        for placement in accepted:
            for i, (seen, n) in enumerate(counts):
                if _same(seen, placement):
                    counts[i] = (seen, n + 1)
                    break
            else:
                counts.append((placement, 1))
    evidence = [
        f"{n} of {len(needs)} operations needing a credential accept {p.describe()}"
        for p, n in counts
    ]
    if not counts:
        return AuthDecision(
            auth,
            mine,
            summary="no security scheme of the document can be met with one secret",
            evidence=evidence,
            unsatisfied=sorted(needs),
        )
    best = max(n for _, n in counts)
    chosen = next(p for p, n in counts if n == best)
    if mine is not None and any(_same(mine, p) and n == best for p, n in counts):
        chosen = mine
    unsatisfied = [
        key for key, accepted in needs.items() if not any(_same(chosen, p) for p in accepted)
    ]
    if auth is None:
        return AuthDecision(
            None,
            chosen,
            summary=f"the document asks for {chosen.describe()}, but the app has no auth: "
            "those requests go without a credential (give the app its secret)",
            evidence=evidence,
            unsatisfied=sorted(needs),
        )
    changed = mine is None or not _same(mine, chosen)
    verb = f"was given as {auth.get('type')} and is sent in" if changed else "is sent in"
    return AuthDecision(
        place_secret(auth, chosen) if changed else auth,
        chosen,
        changed,
        summary=f"the app's secret {verb} {chosen.describe()}, as the document's "
        "security schemes say",
        evidence=evidence,
        unsatisfied=unsatisfied,
    )
