"""One delivery attempt: the host policy applies when the connection opens (a name that
resolves to a denied address is refused), and only so much of an answer is read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actors.webhooks.sender import ERROR_EXCERPT_CHARS, Envelope, Sender
from runner import HostPolicy
from tests.support.pets_target import PetsTarget
from tests.support.webhook_receiver import WebhookReceiver

ENVELOPE = Envelope("whd_1", "evt_1", "webhook.ping", 1, b'{"id":"evt_1"}')


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def test_a_name_resolving_to_a_denied_address_is_refused_at_delivery(
    receiver: WebhookReceiver,
) -> None:
    sender = Sender(HostPolicy(denied=("127.0.0.0/8", "::1")), timeout_s=2, max_response_bytes=1024)
    url = receiver.url.replace("127.0.0.1", "localhost")
    attempt = sender.post(url, ENVELOPE, ["whsec_x"])
    sender.close()
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("denied:")
    assert receiver.received == []


def test_the_headers_say_what_is_delivered(receiver: WebhookReceiver) -> None:
    sender = Sender(HostPolicy(), timeout_s=2, max_response_bytes=1024)
    attempt = sender.post(receiver.url, ENVELOPE, ["whsec_x"])
    sender.close()
    assert attempt.ok and attempt.status_code == 200
    [got] = receiver.received
    assert got.body == ENVELOPE.body
    assert got.headers["gauntlet-webhook-id"] == "evt_1"
    assert got.headers["gauntlet-event"] == "webhook.ping"
    assert got.headers["gauntlet-delivery-id"] == "whd_1"
    assert got.headers["user-agent"].startswith("Gauntlet-Webhooks/")


def test_a_huge_answer_is_read_only_up_to_the_cap() -> None:
    target = PetsTarget().start()
    try:
        sender = Sender(HostPolicy(), timeout_s=5, max_response_bytes=1024)
        attempt = sender.post(f"{target.url}/big", ENVELOPE, ["whsec_x"])
        sender.close()
    finally:
        target.stop()
    assert attempt.ok  # 10 MiB that never ends: only the first KiB was read


def test_a_failed_answer_is_kept_as_a_short_excerpt() -> None:
    target = PetsTarget().start()
    try:
        sender = Sender(HostPolicy(), timeout_s=5, max_response_bytes=1024)
        attempt = sender.post(f"{target.url}/status/500", ENVELOPE, ["whsec_x"])
        sender.close()
    finally:
        target.stop()
    assert attempt.status_code == 500 and attempt.error is not None
    assert len(attempt.error) <= len("HTTP 500: ") + ERROR_EXCERPT_CHARS
