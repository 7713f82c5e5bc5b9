"""Retry delays grow with each attempt (about a day for ten), and signing secrets are
sealed at rest under the installation's keys."""

from __future__ import annotations

import random

import pytest

from actors.webhooks.delivery import retry_delay
from actors.webhooks.sealing import SealingError, SecretBox
from core.settings import DEFAULT_WEBHOOK_MAX_ATTEMPTS, DEFAULT_WEBHOOK_RETRY_BASE_SECONDS


def test_each_retry_waits_longer_than_the_one_before_despite_the_jitter() -> None:
    rng = random.Random(7)
    for _ in range(200):
        delays = [retry_delay(n, 1.0, rng) for n in range(1, 10)]
        assert delays == sorted(delays)


def test_the_default_schedule_spans_about_a_day() -> None:
    gaps = range(1, DEFAULT_WEBHOOK_MAX_ATTEMPTS)  # 10 attempts, 9 waits
    base = DEFAULT_WEBHOOK_RETRY_BASE_SECONDS
    shortest = sum(retry_delay(n, base, _Fixed(0.0)) for n in gaps)
    longest = sum(retry_delay(n, base, _Fixed(1.0)) for n in gaps)
    assert 15 * 3600 < shortest < longest < 30 * 3600


class _Fixed(random.Random):
    """uniform(a, b) always at one end."""

    def __init__(self, where: float) -> None:
        super().__init__()
        self.where = where

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.where


def test_a_sealed_secret_opens_and_does_not_show_it() -> None:
    box = SecretBox(["k1"])
    sealed = box.seal("whsec_abc")
    assert "whsec_abc" not in sealed and box.open(sealed) == "whsec_abc"


def test_sealing_keys_can_be_rotated() -> None:
    old = SecretBox(["old"]).seal("whsec_abc")
    rotated = SecretBox(["new", "old"])
    assert rotated.open(old) == "whsec_abc"
    assert SecretBox(["new"]).open(rotated.seal("whsec_abc")) == "whsec_abc"


def test_a_secret_sealed_under_another_key_does_not_open() -> None:
    with pytest.raises(SealingError):
        SecretBox(["other"]).open(SecretBox(["k1"]).seal("whsec_abc"))
