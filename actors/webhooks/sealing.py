"""Signing secrets sealed at rest.

A webhook secret must be readable again (the worker signs with it), so unlike API keys it
cannot be stored as a hash. It is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from
the ``cryptography`` package) under a key that is not in the row: a dump of the webhooks
table, a backup of it or a log of its rows reveals no secret. The keys come from
``GAUNTLET_WEBHOOK_SECRET_KEYS`` (the first seals, every one opens: keys can be rotated);
without it, a random key kept in the database's instance secrets is used, which protects
against leaks of the table alone but not of the whole database (docs/webhooks.md).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Engine

from core.settings import Settings
from storage import orgs
from storage.db import session_scope

INSTANCE_SECRET_NAME = "webhook_sealing"
# Opened secrets kept in memory: a few per subscription an installation may have.
MAX_OPENED = 10_000


class SealingError(Exception):
    """A sealed secret that no configured key opens (the keys changed)."""


def _fernet(text: str) -> Fernet:
    # Any text works as a key: it is stretched to Fernet's 32 bytes with SHA-256.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()))


class SecretBox:
    """Seals and opens signing secrets with the installation's keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one sealing key is needed")
        self._fernet = MultiFernet([_fernet(k) for k in keys])
        # Every attempt opens its subscription's secret: keep what was opened (a sealed
        # text changes only with a rotation, when a new one replaces it).
        self._opened: dict[str, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_installation(cls, settings: Settings, engine: Engine) -> SecretBox:
        """The box of this installation: the configured keys, else the database's."""
        if settings.webhook_secret_keys:
            return cls(settings.webhook_secret_keys)
        with session_scope(engine) as session:
            return cls([orgs.instance_secret(session, INSTANCE_SECRET_NAME)])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret inside ``sealed``. Raises :class:`SealingError`."""
        with self._lock:
            opened = self._opened.get(sealed)
        if opened is not None:
            return opened
        try:
            opened = self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealingError(
                "the webhook secret cannot be opened with the keys configured"
            ) from None
        with self._lock:
            if len(self._opened) >= MAX_OPENED:
                self._opened.clear()
            self._opened[sealed] = opened
        return opened
