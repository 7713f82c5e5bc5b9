"""Masking secrets out of what a run records (requests, responses, error messages).

A record can hold a secret in three ways: a credential header (by name, whatever its
value), the app auth's own header or query parameter (by name), and the secret's text
anywhere else (a target echoing the token back, a URL in an error message). All three
are covered here so that reports, events and logs never carry a target's credentials.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

MASK = "********"
# Headers that carry credentials whatever the app's auth is.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# Secrets shorter than this are not searched for in free text: masking every "a" in a
# body would destroy the record while protecting nothing.
MIN_SECRET_TEXT = 4


@dataclass(frozen=True)
class Masker:
    """Masks the given secret values and the credential headers/query names."""

    secrets: tuple[str, ...] = ()
    header_names: frozenset[str] = frozenset()
    query_names: frozenset[str] = frozenset()

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy with credential headers masked (the auth scheme word is kept)."""
        out: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower in CREDENTIAL_HEADERS or lower in self.header_names:
                scheme, _, rest = value.partition(" ")
                keep = lower in ("authorization", "proxy-authorization") and rest
                out[name] = f"{scheme} {MASK}" if keep else MASK
            else:
                out[name] = self.text(value)
        return out

    def url(self, url: str) -> str:
        """``url`` with its user info, the auth's query parameter and any secret text
        masked."""
        url = without_userinfo(url)
        if self.query_names:
            try:
                parts = urlsplit(url)
            except ValueError:
                return self.text(url)
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if any(k.lower() in self.query_names for k, _ in pairs):
                masked = [(k, MASK if k.lower() in self.query_names else v) for k, v in pairs]
                query = urlencode(masked, quote_via=quote, safe="*")
                url = urlunsplit(parts._replace(query=query))
        return self.text(url)

    def text(self, text: str) -> str:
        """``text`` with every occurrence of a secret (plain or URL-encoded) masked."""
        for secret in self._variants:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like ``value`` (strings, lists, dicts and scalars) with every
        string in it, keys included, masked as :meth:`text` does."""
        if not self._variants:
            return value
        return self._value(value)

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self._value(k): self._value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._value(item) for item in value]
        return value

    def plus(self, other: Masker) -> Masker:
        """A masker for the secrets and names of both."""
        return Masker(
            tuple(dict.fromkeys(self.secrets + other.secrets)),
            self.header_names | other.header_names,
            self.query_names | other.query_names,
        )

    def __bool__(self) -> bool:
        return bool(self._variants or self.header_names or self.query_names)

    @cached_property
    def _variants(self) -> tuple[str, ...]:
        # Computed once: text() runs on every header and body a step records. Longest
        # first, so that a form containing another (of any secret) is masked whole.
        return tuple(sorted(self._each_variant(), key=len, reverse=True))

    def _each_variant(self) -> Iterable[str]:
        seen: set[str] = set()
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) < MIN_SECRET_TEXT:
                continue
            for form in _forms(secret):
                if form not in seen:
                    seen.add(form)
                    yield form


def _forms(secret: str) -> Iterable[str]:
    """The spellings a secret takes on its way through a target and back: as is,
    percent-encoded (either case of the hex digits), escaped in JSON, and base64 (either
    alphabet, without the padding, so that it is also found at the start of the encoding
    of a longer text that begins with the secret)."""
    yield secret
    for encoded in (quote(secret, safe=""), quote_plus(secret)):
        yield encoded
        yield re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)
    yield json.dumps(secret)[1:-1]
    raw = secret.encode()
    yield base64.b64encode(raw).decode("ascii").rstrip("=")
    yield base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def without_userinfo(url: str) -> str:
    """``url`` with the ``user:password@`` part, if any, replaced by the mask: user
    info is a credential (often a token as the user name) and never shown."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = _split_authority(rest)
    if "@" not in authority:
        return url
    return f"{scheme}://{MASK}@{authority.rpartition('@')[2]}{slash}{path}"


def _split_authority(rest: str) -> tuple[str, str, str]:
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return rest[:cut], rest[cut : cut + 1], rest[cut + 1 :]


def userinfo_secrets(url: str) -> tuple[str, ...]:
    """The secrets in ``url``'s user info: the password (or the user name when there is
    no password: a token), ``user:password`` and their decoded forms."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return ()
    found: list[str] = []
    for raw in (password if password else user, f"{user}:{password}" if password else None):
        if raw:
            found.extend(dict.fromkeys((raw, unquote(raw))))
    if user is not None and password:
        pair = f"{unquote(user)}:{unquote(password)}".encode()
        found.append(base64.b64encode(pair).decode("ascii"))
    return tuple(dict.fromkeys(found))
