"""Which target hosts a job may reach.

Targets are untrusted and suites are written by users, so a request must not become a
way into the worker's own network: cloud metadata services are denied by default, and
operators can restrict targets to allowed host patterns. The check runs twice: on the
host name before a request (clear early error, every redirect hop) and on every
resolved address when a connection is opened (a name that resolves to a denied
address, or an IP written in another notation, is caught there).
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from runner.errors import TargetError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata endpoints of AWS (v4 and v6), GCP and Alibaba Cloud: they hand out the
# worker's cloud credentials to anyone who can make it send a GET.
DEFAULT_DENIED = (
    "169.254.169.254",
    "fd00:ec2::254",
    "metadata.google.internal",
    "100.100.100.200",
)
DEFAULT_ALLOWED = ("*",)


class TargetDenied(TargetError):
    """The host policy forbids this target."""

    def __init__(self, message: str) -> None:
        super().__init__("denied", message)


def _split(entries: Iterable[str]) -> tuple[tuple[IPNetwork, ...], tuple[str, ...]]:
    networks: list[IPNetwork] = []
    names: list[str] = []
    for entry in entries:
        text = entry.strip().lower().rstrip(".")
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
        except ValueError:
            names.append(text)
    return tuple(networks), tuple(names)


def _address(text: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
    # ::ffff:169.254.169.254 reaches the same service as 169.254.169.254.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class HostPolicy:
    """Allowed host patterns and denied hosts.

    Entries are host-name globs (``*.example.com``), IP addresses or CIDR networks
    (``10.0.0.0/8``). ``allowed`` defaults to any host; ``denied`` to the cloud metadata
    addresses. Denied wins over allowed.
    """

    allowed: tuple[str, ...] = DEFAULT_ALLOWED
    denied: tuple[str, ...] = DEFAULT_DENIED
    _allowed: tuple[tuple[IPNetwork, ...], tuple[str, ...]] = field(init=False, repr=False)
    _denied: tuple[tuple[IPNetwork, ...], tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_allowed", _split(self.allowed))
        object.__setattr__(self, "_denied", _split(self.denied))

    def check_host(self, host: str) -> None:
        """Check a host as written in a URL. Raises :class:`TargetDenied`."""
        name = host.strip().lower().rstrip(".")
        ip = _address(name)
        if self._is_denied(name, ip):
            raise TargetDenied(f"target host {host} is denied by the host policy")
        if not self._name_allowed(name) and (ip is None or not self._ip_allowed(ip)):
            raise TargetDenied(f"target host {host} is not in the allowed hosts")

    def check_addresses(self, host: str, addresses: Iterable[str]) -> None:
        """Check the addresses ``host`` resolved to. Raises :class:`TargetDenied` if any
        is denied, or if the host was let in by no name pattern and an address is not in
        an allowed network."""
        name = host.strip().lower().rstrip(".")
        by_name = self._name_allowed(name)
        for text in addresses:
            ip = _address(text)
            if ip is None:
                continue
            if self._is_denied(None, ip):
                raise TargetDenied(f"target host {host} resolves to {ip}, which is denied")
            if not by_name and not self._ip_allowed(ip):
                raise TargetDenied(
                    f"target host {host} resolves to {ip}, which is not in the allowed hosts"
                )

    def _is_denied(self, name: str | None, ip: IPAddress | None) -> bool:
        networks, names = self._denied
        if ip is not None and any(ip in net for net in networks):
            return True
        return name is not None and any(fnmatch.fnmatchcase(name, pat) for pat in names)

    def _name_allowed(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pat) for pat in self._allowed[1])

    def _ip_allowed(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self._allowed[0])
