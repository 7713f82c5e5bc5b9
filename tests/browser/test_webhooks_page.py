"""The dashboard's Webhooks page in a real headless Chromium: subscriptions with their
health, and a subscription's recent deliveries, a ping and a redelivery from the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import Org, sign_in
from tests.support.api_server import Api
from tests.support.browser import Browser
from tests.support.factories import create_key
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def ready(browser: Browser, page: str) -> bool:
    return bool(browser.run("return document.querySelector('#main').dataset.ready") == page)


def test_the_webhooks_page_lists_subscriptions_and_a_webhooks_deliveries(
    browser: Browser, api: Api, org: Org, receiver: WebhookReceiver
) -> None:
    created = org.client.post(
        "/webhooks", json={"url": receiver.url, "events": ["job.*"], "description": "ci"}
    )
    hook = created.json()["data"]
    sign_in(browser, api, org, "#/webhooks")
    browser.wait_for(lambda: ready(browser, "webhooks"), "the webhooks list")
    assert receiver.url in browser.text("#webhooks-list")
    assert "enabled" in browser.text("#webhooks-list")
    browser.run("document.querySelector('#webhooks-list a').click()")
    browser.wait_for(lambda: ready(browser, "webhook"), "the webhook page")
    assert hook["id"] in browser.run("return window.location.hash")
    browser.run("document.querySelector('#webhook-ping').click()")
    browser.wait_for(lambda: "SUCCEEDED" in browser.text("#webhook-deliveries"), "the ping")
    assert "webhook.ping" in browser.text("#webhook-deliveries")
    browser.run("document.querySelector('#webhook-deliveries button').click()")
    browser.wait_for(lambda: len(receiver.received) == 2, "the redelivery")
    browser.screenshot("dashboard-webhooks")


def test_a_read_key_is_told_that_webhooks_need_an_admin_key(
    browser: Browser, api: Api, org: Org
) -> None:
    reader = Org(org.name, create_key(api.runtime, org.name, "read"), org.client)
    sign_in(browser, api, reader, "#/webhooks")
    browser.wait_for(lambda: ready(browser, "webhooks"), "the webhooks page")
    assert "admin key" in browser.text("#webhooks-admin-note")
