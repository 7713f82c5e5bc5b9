"""Where the app's secret goes (actors/generate/security.py): the placement the
document's security schemes ask of the most operations, the user giving only the secret."""

from __future__ import annotations

from typing import Any

from actors.generate.loader import load_document
from actors.generate.refs import Resolver
from actors.generate.security import AuthDecision, decide_auth

BEARER = {"type": "bearer", "token": "s3cret"}


def _document(schemes: dict[str, Any], **security: Any) -> dict[str, Any]:
    """One GET per entry of ``security``: path /<name> requiring that list."""
    paths = {
        f"/{name}": {"get": {"security": wanted, "responses": {"200": {"description": "ok"}}}}
        for name, wanted in security.items()
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": schemes},
        "paths": paths,
    }


def _decide(document: dict[str, Any], auth: dict[str, Any] | None = BEARER) -> AuthDecision:
    loaded = load_document(document)
    return decide_auth(loaded.document, Resolver(loaded.document), auth)


def test_an_api_key_header_gets_the_bearer_secret() -> None:
    key = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    decision = _decide(_document({"key": key}, a=[{"key": []}], b=[{"key": []}]))

    assert decision.auth == {"type": "header", "name": "X-API-Key", "value": "s3cret"}
    assert decision.changed and "the header 'X-API-Key'" in decision.summary


def test_query_and_cookie_keys_are_placed_by_name() -> None:
    query = {"type": "apiKey", "in": "query", "name": "api_key"}
    cookie = {"type": "apiKey", "in": "cookie", "name": "sid"}

    assert _decide(_document({"q": query}, a=[{"q": []}])).auth == {
        "type": "query", "name": "api_key", "value": "s3cret"}  # fmt: skip
    assert _decide(_document({"c": cookie}, a=[{"c": []}])).auth == {
        "type": "header", "name": "Cookie", "value": "sid=s3cret"}  # fmt: skip


def test_basic_splits_a_user_password_secret() -> None:
    basic = {"type": "http", "scheme": "basic"}
    decision = _decide(_document({"b": basic}, a=[{"b": []}]), {"type": "bearer", "token": "u:p"})

    assert decision.auth == {"type": "basic", "username": "u", "password": "p"}


def test_oauth2_and_openid_connect_are_bearer_tokens_so_nothing_changes() -> None:
    oauth = {"type": "oauth2", "flows": {}}
    oidc = {"type": "openIdConnect", "openIdConnectUrl": "https://x/.well-known"}
    decision = _decide(_document({"o": oauth, "i": oidc}, a=[{"o": ["read"]}], b=[{"i": []}]))

    assert decision.auth == BEARER and not decision.changed


def test_the_placement_most_operations_accept_wins_and_the_others_are_named() -> None:
    key = {"type": "apiKey", "in": "header", "name": "api_key"}
    oauth = {"type": "oauth2", "flows": {}}
    document = _document(
        {"key": key, "oauth": oauth},
        one=[{"oauth": []}], two=[{"oauth": []}], three=[{"key": []}], either=[{"key": []}, {"oauth": []}],
    )  # fmt: skip

    decision = _decide(document)

    assert decision.auth == BEARER
    assert decision.unsatisfied == ["GET /three"]
    assert (
        "3 of 4 operations needing a credential accept the Authorization header as a bearer token"
        in decision.evidence
    )


def test_the_apps_own_placement_is_kept_when_it_does_as_well() -> None:
    key = {"type": "apiKey", "in": "header", "name": "X-Key"}
    oauth = {"type": "oauth2", "flows": {}}
    mine = {"type": "header", "name": "x-key", "value": "s3cret"}

    decision = _decide(_document({"key": key, "o": oauth}, a=[{"key": []}], b=[{"o": []}]), mine)

    assert decision.auth == mine and not decision.changed


def test_anonymous_operations_and_documents_without_security_need_nothing() -> None:
    key = {"type": "apiKey", "in": "header", "name": "X-Key"}

    decision = _decide(_document({"key": key}, a=[{}, {"key": []}], b=[]))

    assert decision.auth == BEARER and not decision.changed
    assert decision.summary == "the document asks for no credential"


def test_without_app_auth_the_decision_says_what_to_give() -> None:
    key = {"type": "apiKey", "in": "header", "name": "X-Key"}

    decision = _decide(_document({"key": key}, a=[{"key": []}]), None)

    assert decision.auth is None and "the app has no auth" in decision.summary


def test_swagger_2_security_definitions_count_too() -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "securityDefinitions": {"k": {"type": "apiKey", "in": "query", "name": "token"}},
        "security": [{"k": []}],
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }

    assert _decide(document).auth == {"type": "query", "name": "token", "value": "s3cret"}
