"""Re-sending a recorded request: rebuilt from the report with credentials restored by the
client, safe methods only unless asked, identical calls compared as the report masks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actors.normalize.resend import rebuild, resend
from runner import MASK, RecordedRequest, TargetClient
from tests.support.factories import baseline_target
from tests.support.pets_target import PetsTarget


@pytest.fixture
def served() -> Iterator[PetsTarget]:
    server = baseline_target().start()
    yield server
    server.stop()


def test_masked_credentials_are_dropped_and_the_app_auth_added_again(
    served: PetsTarget,
) -> None:
    recorded = RecordedRequest(
        method="GET",
        url=f"{served.url}/pets/7?key={MASK}&page=2",
        headers={"Authorization": f"Bearer {MASK}", "Accept": "application/json"},
    )
    request = rebuild(recorded)
    assert not isinstance(request, str)
    assert request.url == f"{served.url}/pets/7?page=2" and request.headers == {
        "Accept": "application/json"
    }
    with TargetClient(auth={"type": "query", "name": "key", "value": "sekret-123"}) as client:
        samples = resend(client, recorded, 2, unsafe=False)
    assert samples.skipped is None and [r.status for r in samples.responses] == [200, 200]
    assert served.requests == ["GET /pets/7?page=2&key=sekret-123"] * 2


def test_writes_are_re_sent_only_when_asked(served: PetsTarget) -> None:
    recorded = RecordedRequest(
        method="POST",
        url=f"{served.url}/pets",
        body='{"name":"rex"}',
        body_size=14,
        headers={"Content-Type": "application/json"},
    )
    with TargetClient() as client:
        assert (
            resend(client, recorded, 2, unsafe=False).skipped
            == "POST is not re-sent unless resend_unsafe is set"
        )
        assert served.requests == []
        samples = resend(client, recorded, 3, unsafe=True)
    assert [r.json()[1]["name"] for r in samples.responses] == ["rex"] * 3


def test_requests_the_report_cannot_rebuild_are_not_re_sent() -> None:
    cut = RecordedRequest(method="GET", url="http://127.0.0.1:9/x", body="abc", body_size=9000)
    secret = RecordedRequest(
        method="GET", url="http://127.0.0.1:9/x", body=f"t={MASK}", body_size=10
    )
    assert rebuild(cut) == "its body was cut (or is not text) in the report"
    assert rebuild(secret) == "its body holds a masked secret"
    with TargetClient() as client:
        assert (
            resend(client, cut, 0, unsafe=False).skipped
            == "re-sending is off (noise_samples below 2)"
        )


def test_identical_calls_answering_different_statuses_are_not_compared(
    served: PetsTarget,
) -> None:
    served.flapping = True
    with TargetClient() as client:
        samples = resend(
            client, RecordedRequest(method="GET", url=f"{served.url}/pets/7"), 2, unsafe=False
        )
    assert samples.responses == []
    assert samples.skipped == "identical calls answered different statuses [200, 503]"
