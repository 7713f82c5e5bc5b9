"""An httpx transport that connects only to addresses the host policy allows.

The check has to sit where the connection is opened: a check before the request would
resolve the name once and httpx would resolve it again (DNS rebinding could swap in a
metadata address between the two). Here the name is resolved once, every address is
vetted, and the socket is opened to a vetted address. Keep-alive connections were vetted
when they were opened; each new connection (every redirect hop to a new host) is vetted.
"""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from runner.errors import TargetError
from runner.hostpolicy import HostPolicy


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, vets every address, then connects to a vetted one, so
    that no second resolution can swap in a denied address."""

    def __init__(self, policy: HostPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise TargetError(
                "unresolvable", f"cannot resolve host {host}: {exc.strerror}"
            ) from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        self._policy.check_addresses(host, addresses)
        last: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # e.g. ::1 refused, 127.0.0.1 listening
                last = exc
        raise last or httpcore.ConnectError(f"no address for {host}")


@functools.cache
def _ssl_context(verify: bool) -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds; one context serves every client
    # (an SSLContext is safe to share between threads once configured).
    return httpx.create_ssl_context(verify=verify, trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, connecting through :class:`_GuardedBackend`."""

    def __init__(self, policy: HostPolicy, verify: bool) -> None:
        context = _ssl_context(verify)
        super().__init__(verify=context, trust_env=False)
        # httpx does not expose httpcore's network_backend, so the pool it built is
        # replaced by an equal one that connects through the guarded backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=4,
            max_keepalive_connections=4,
            network_backend=_GuardedBackend(policy),
        )
