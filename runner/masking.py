"""Masking secrets out of what a run records (requests, responses, error messages).

A record can hold a secret in three ways: a credential header (by name, whatever its
value), the app auth's own header or query parameter (by name), and the secret's text
anywhere else (a target echoing the token back, a URL in an error message). All three
are covered here so that reports, events and logs never carry a target's credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

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
        """``url`` with the auth's query parameter and any secret text masked."""
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

    @cached_property
    def _variants(self) -> tuple[str, ...]:
        # Computed once: text() runs on every header and body a step records.
        return tuple(self._each_variant())

    def _each_variant(self) -> Iterable[str]:
        seen: set[str] = set()
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) < MIN_SECRET_TEXT:
                continue
            for form in (secret, quote(secret, safe=""), quote_plus(secret)):
                if form not in seen:
                    seen.add(form)
                    yield form
