"""The /webhooks routes: the secret shown once, validation (a denied URL is a 400 at
creation), scopes, organization walls, updates and deletion."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.webhooks.conftest import subscribe
from tests.support.api_server import Api
from tests.support.factories import create_app, create_key
from tests.support.webhook_receiver import WebhookReceiver


def test_create_answers_201_with_the_secret_which_is_never_shown_again(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.*"], description="ci")
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    assert hook["enabled"] is True and hook["events"] == ["job.*"]
    shown = client.get(f"/webhooks/{hook['id']}").json()["data"]
    listed = client.get("/webhooks").json()["data"]
    assert "secret" not in shown and all("secret" not in w for w in listed)
    assert shown["description"] == "ci"


DENIED_URLS = [
    # cloud metadata, in every spelling
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://100.100.100.200/",
    "http://2852039166/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://0251.0376.0251.0376/",
    "http://169.254.169.254./",
    # ranges the operator denied (10.0.0.0/8, *.internal)
    "http://10.0.0.1/hook",
    "https://10.255.255.254:8443/hook",
    "http://167772161/",  # 10.0.0.1
    "http://build.corp.internal/hook",
    # not http(s), or not a URL a POST can go to
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "gopher://example.com:70/",
    "javascript:alert(1)",
    "data:text/plain,hello",
    "ws://example.com/hook",
    "http://",
    "example.com/hook",
    "http://user:pw@example.com/hook",
    "http://example.com:99999/",
]


@pytest.mark.parametrize("url", DENIED_URLS)
def test_a_denied_url_is_a_400_at_creation(client: httpx.Client, url: str) -> None:
    response = client.post("/webhooks", json={"url": url, "events": ["job.completed"]})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == "url"
    assert client.get("/webhooks").json()["meta"]["pagination"]["total_count"] == 0


def test_a_denied_url_is_a_400_on_update_too(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"])
    response = client.patch(f"/webhooks/{hook['id']}", json={"url": "http://169.254.169.254/"})
    assert response.status_code == 400
    assert client.get(f"/webhooks/{hook['id']}").json()["data"]["url"] == receiver.url


@pytest.mark.parametrize(
    ("events", "field"),
    [
        (["job.completed", "job.exploded"], "events[1]"),
        (["JOB.COMPLETED"], "events[0]"),
        (["step.*"], "events[0]"),
        ([], "events"),
    ],
)
def test_unknown_event_types_are_a_400_naming_the_pattern(
    client: httpx.Client, receiver: WebhookReceiver, events: list[str], field: str
) -> None:
    response = client.post("/webhooks", json={"url": receiver.url, "events": events})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == field


def test_globs_and_every_documented_type_are_accepted(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    events = [
        "job.queued",
        "job.started",
        "job.completed",
        "job.failed",
        "job.stopped",
        "job.cancelled",
        "run.completed",
        "load_test.completed",
        "generate.completed",
        "job.*",
        "*.completed",
        "*",
    ]
    assert subscribe(client, receiver.url, events)["events"] == events


def test_an_app_of_another_organization_is_a_400(
    serve: Api, client: httpx.Client, receiver: WebhookReceiver, target: object
) -> None:
    with serve.client(create_key(serve.runtime)) as other:
        foreign_app = create_app(other, "http://127.0.0.1:9")
    response = client.post(
        "/webhooks", json={"url": receiver.url, "events": ["job.*"], "app_id": foreign_app}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "app_id"


def test_another_organizations_webhooks_are_404_and_never_listed(
    serve: Api, client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.*"])
    pinged = client.post(f"/webhooks/{hook['id']}/ping").json()["data"]
    with serve.client(create_key(serve.runtime)) as other:
        base = f"/webhooks/{hook['id']}"
        answers = [
            other.get(base),
            other.patch(base, json={"enabled": False}),
            other.delete(base),
            other.get(f"{base}/deliveries"),
            other.get(f"{base}/deliveries/{pinged['id']}"),
            other.post(f"{base}/deliveries/{pinged['id']}/redeliver"),
            other.post(f"{base}/ping"),
        ]
        assert [a.status_code for a in answers] == [404] * len(answers)
        assert {a.json()["error"]["code"] for a in answers} == {"RESOURCE_NOT_FOUND"}
        assert other.get("/webhooks").json()["data"] == []
    assert client.get(base).json()["data"]["enabled"] is True


@pytest.mark.parametrize("scopes", ["read", "write"])
def test_webhooks_need_the_admin_scope(serve: Api, scopes: str) -> None:
    with serve.client(create_key(serve.runtime, scopes=scopes)) as weak:
        answers = [
            weak.get("/webhooks"),
            weak.post("/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["job.*"]}),
        ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["error"]["code"] == "INSUFFICIENT_SCOPE"


def test_delete_answers_the_envelope_and_the_webhook_is_gone(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.*"])
    response = client.delete(f"/webhooks/{hook['id']}")
    assert response.status_code == 200
    assert response.json()["data"] == {"id": hook["id"], "deleted": True}
    assert "request_id" in response.json()["meta"]
    assert client.get(f"/webhooks/{hook['id']}").status_code == 404
    assert client.delete(f"/webhooks/{hook['id']}").status_code == 404


def test_disable_then_enable_clears_the_reason(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.*"])
    disabled = client.patch(f"/webhooks/{hook['id']}", json={"enabled": False}).json()["data"]
    assert disabled["enabled"] is False and disabled["disabled_reason"]
    assert disabled["secret"] is None
    enabled = client.patch(f"/webhooks/{hook['id']}", json={"enabled": True}).json()["data"]
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None


def test_patch_changes_only_the_fields_given(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    hook = subscribe(client, receiver.url, ["job.completed"], description="keep me")
    changed = client.patch(
        f"/webhooks/{hook['id']}", json={"events": ["job.failed", "run.completed"]}
    ).json()["data"]
    assert changed["events"] == ["job.failed", "run.completed"]
    assert changed["description"] == "keep me" and changed["url"] == receiver.url


def test_lists_are_offset_pages(client: httpx.Client, receiver: WebhookReceiver) -> None:
    ids = [subscribe(client, receiver.url, ["job.*"])["id"] for _ in range(3)]
    first = client.get("/webhooks", params={"limit": 2}).json()
    second = client.get("/webhooks", params={"limit": 2, "offset": 2}).json()
    assert [w["id"] for w in first["data"] + second["data"]] == ids
    assert first["meta"]["pagination"] == {
        "has_next_page": True,
        "next_cursor": None,
        "total_count": 3,
    }
    assert client.get("/webhooks", params={"limit": 101}).status_code == 400


def test_unknown_fields_are_a_400(client: httpx.Client, receiver: WebhookReceiver) -> None:
    response = client.post(
        "/webhooks", json={"url": receiver.url, "events": ["job.*"], "secret": "mine"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "secret"
