"""The GraphQL explorer in headless Chromium: it renders from the package's own files,
takes the key like the dashboard (fragment → sessionStorage, fragment gone at once),
and runs a query against the API with it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from tests.browser.conftest import Org
from tests.support.api_server import Api
from tests.support.browser import Browser
from tests.support.pets_target import PetsTarget

RUN_BUTTON = ".graphiql-execute-button"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = "return document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() ?? ''"


def open_explorer(browser: Browser, api: Api, org: Org) -> None:
    browser.open(f"{api.url}/graphql/explorer#key={org.key}")
    browser.wait_for(lambda: browser.count(QUERY_EDITOR), "GraphiQL's query editor")


def run_query(browser: Browser, query: str) -> dict[str, object]:
    browser.run(
        "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1])",
        QUERY_EDITOR,
        query,
    )
    browser.run("document.querySelector(arguments[0]).click()", RUN_BUTTON)
    text = browser.wait_for(lambda: browser.run(RESULT).strip(), "the query's result")
    return dict(json.loads(text))


def test_the_explorer_takes_the_key_from_the_fragment_and_forgets_the_fragment(
    browser: Browser, api: Api, org: Org
) -> None:
    open_explorer(browser, api, org)
    assert browser.run("return window.location.hash") == ""
    assert browser.run("return sessionStorage.getItem('gauntlet.apiKey')") == org.key
    assert browser.run("return document.cookie") == ""


def test_the_explorer_runs_a_query_with_the_key(
    browser: Browser, api: Api, org: Org, target: PetsTarget
) -> None:
    org.add_app(target)
    open_explorer(browser, api, org)
    result = run_query(browser, "{ me { organization { name } } apps { totalCount } }")
    assert result == {
        "data": {"me": {"organization": {"name": org.name}}, "apps": {"totalCount": 1}}
    }
    browser.screenshot("graphql-explorer")


def test_the_explorer_loads_nothing_from_elsewhere(browser: Browser, api: Api, org: Org) -> None:
    open_explorer(browser, api, org)
    # The schema arrived (the Docs panel needs it) through the same origin.
    browser.wait_for(
        lambda: any(
            "/client/v1/graphql" in r
            for r in browser.run("return performance.getEntriesByType('resource').map(e => e.name)")
        ),
        "the introspection query",
    )
    fetched = browser.run("return performance.getEntriesByType('resource').map(e => e.name)")
    server = urlsplit(api.url).netloc
    assert [url for url in fetched if urlsplit(url).netloc != server] == []


def test_signing_out_forgets_the_key_and_asks_for_one(browser: Browser, api: Api, org: Org) -> None:
    open_explorer(browser, api, org)
    browser.run("document.getElementById('sign-out').click()")
    assert browser.run("return sessionStorage.getItem('gauntlet.apiKey')") is None
    assert browser.run("return document.getElementById('sign-in').hidden") is False
    assert browser.count(QUERY_EDITOR) == 0


def test_a_key_typed_in_the_form_signs_in(browser: Browser, api: Api, org: Org) -> None:
    browser.open(f"{api.url}/graphql/explorer")
    browser.run("document.getElementById('key').value = arguments[0]", org.key)
    browser.run("document.getElementById('sign-in').requestSubmit()")
    browser.wait_for(lambda: browser.count(QUERY_EDITOR), "GraphiQL after signing in")
    result = run_query(browser, "{ me { organization { name } } }")
    assert result == {"data": {"me": {"organization": {"name": org.name}}}}
