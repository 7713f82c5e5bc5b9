"""The host policy at connect time, for every connection a virtual user opens (imports
geventhttpclient: driver and worker processes only).

Checking a host once and caching the verdict is open to DNS rebinding: a name that
resolved to an allowed address when the load test started may resolve to a metadata
address when a user opens its next connection. Locust's ``FastHttpUser`` connects through
geventhttpclient's ``ConnectionPool``, which resolves the name in ``_resolve()`` and then
connects to exactly the addresses that call returned. The guard wraps ``_resolve()``:
every address it returns is vetted by the policy before any socket is opened, so the
address connected to is always one the policy approved (as ``runner._transport`` does for
the runner's httpx client).

Process-wide by design: these processes exist only to run load tests, and a long-lived
loadgen worker installs the policy of each load test it joins.
"""

from __future__ import annotations

from typing import Any

from geventhttpclient.connectionpool import ConnectionPool

from runner import HostPolicy, TargetDenied


class ConnectionDenied(OSError):
    """A connection the host policy refuses. An ``OSError``, so that Locust counts it as
    a failed request (with this message) rather than a crashed user."""


_state: dict[str, HostPolicy | None] = {"policy": None}
_original_resolve = ConnectionPool._resolve


def _guarded_resolve(self: ConnectionPool) -> Any:
    infos = _original_resolve(self)
    policy = _state["policy"]
    if policy is None:
        raise ConnectionDenied("no host policy is installed for load test connections")
    host = str(self._connection_host)
    try:
        policy.check_host(host)
        policy.check_addresses(host, [str(info[4][0]) for info in infos])
    except TargetDenied as exc:
        raise ConnectionDenied(exc.message) from None
    return infos


def install(policy: HostPolicy) -> None:
    """Vet every connection opened from now on against ``policy`` (replacing any policy
    installed before). Idempotent."""
    _state["policy"] = policy
    ConnectionPool._resolve = _guarded_resolve  # type: ignore[method-assign]


def installed() -> HostPolicy | None:
    """The policy connections are vetted against, if any."""
    return _state["policy"]
