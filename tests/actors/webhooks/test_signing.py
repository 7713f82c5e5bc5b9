"""The Gauntlet-Signature header: what a receiver checks."""

from __future__ import annotations

import hashlib
import hmac

from actors.webhooks.signing import new_secret, signature_header, verify

BODY = b'{"id":"evt_1","type":"job.completed","created_at":1700000000,"data":{}}'
NOW = 1_700_000_000


def test_the_signature_is_hmac_sha256_of_time_dot_body_keyed_with_the_secret() -> None:
    secret = new_secret()
    header = signature_header([secret], NOW, BODY)
    expected = hmac.new(secret.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_a_signature_verifies_only_with_its_secret_body_and_time() -> None:
    secret, other = new_secret(), new_secret()
    header = signature_header([secret], NOW, BODY)
    assert verify(header, BODY, secret, now=NOW)
    assert not verify(header, BODY, other, now=NOW)
    assert not verify(header, BODY.replace(b"completed", b"failed"), secret, now=NOW)
    assert not verify(header.replace(f"t={NOW}", f"t={NOW + 1}"), BODY, secret, now=NOW)


def test_a_delivery_older_than_five_minutes_is_a_replay() -> None:
    secret = new_secret()
    header = signature_header([secret], NOW, BODY)
    assert verify(header, BODY, secret, now=NOW + 300)
    assert not verify(header, BODY, secret, now=NOW + 301)


def test_during_a_rotation_each_secret_verifies() -> None:
    new, old = new_secret(), new_secret()
    header = signature_header([new, old], NOW, BODY)
    assert header.count("v1=") == 2
    assert verify(header, BODY, new, now=NOW) and verify(header, BODY, old, now=NOW)


def test_secrets_are_unique_and_long() -> None:
    made = {new_secret() for _ in range(100)}
    assert len(made) == 100 and all(s.startswith("whsec_") and len(s) >= 48 for s in made)
