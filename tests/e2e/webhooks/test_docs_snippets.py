"""The verification snippets of docs/webhooks.md, run as written against a real delivery:
each accepts it, and refuses it once a byte of the body changed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.webhooks.conftest import subscribe
from tests.support.services import skip_or_fail
from tests.support.webhook_receiver import Received, WebhookReceiver

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def snippet(name: str) -> str:
    """The fenced block that follows ``<!-- snippet: name -->`` in docs/webhooks.md."""
    found = re.search(
        rf"<!-- snippet: {re.escape(name)} -->\s*```[a-z]*\n(.*?)```", DOC.read_text(), re.S
    )
    assert found, f"no snippet {name} in {DOC}"
    return found.group(1)


@pytest.fixture
def delivery(client: httpx.Client, receiver: WebhookReceiver) -> tuple[str, Received]:
    """A webhook's secret and a real delivery to it (a rotation: two signatures)."""
    hook = subscribe(client, receiver.url, ["job.*"])
    rotated = client.patch(f"/webhooks/{hook['id']}", json={"rotate_secret": True}).json()
    client.post(f"/webhooks/{hook['id']}/ping")
    [got] = receiver.wait_for(1)
    return rotated["data"]["secret"], got


def python_verifier() -> Callable[[str, str, bytes], bool]:
    namespace: dict[str, object] = {}
    exec(compile(snippet("verify-python"), str(DOC), "exec"), namespace)
    return namespace["verify_gauntlet_signature"]  # type: ignore[return-value]


def test_the_python_snippet_verifies_a_real_delivery(delivery: tuple[str, Received]) -> None:
    secret, got = delivery
    verify = python_verifier()
    header = got.headers["gauntlet-signature"]
    assert verify(secret, header, got.body)
    assert not verify(secret, header, got.body.replace(b"ping", b"pong"))
    assert not verify("whsec_wrong", header, got.body)


def run_shell(
    secret: str, header: str, body: bytes, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "body.json").write_bytes(body)
    return subprocess.run(
        ["bash", "-c", snippet("verify-shell")],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "SECRET": secret, "SIGNATURE": header},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_shell_snippet_verifies_a_real_delivery(
    delivery: tuple[str, Received], tmp_path: Path
) -> None:
    if shutil.which("openssl") is None:
        skip_or_fail("openssl is not installed")
    secret, got = delivery
    header = got.headers["gauntlet-signature"]
    accepted = run_shell(secret, header, got.body, tmp_path)
    assert (accepted.returncode, accepted.stdout.strip()) == (0, "verified"), accepted.stderr
    tampered = run_shell(secret, header, got.body.replace(b"ping", b"pong"), tmp_path)
    assert (tampered.returncode, tampered.stdout.strip()) == (1, "bad signature")
