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
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from runner.errors import TargetError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and credential endpoints: they hand out the worker's cloud credentials
# to anyone who can make it send a GET. Whole ranges, not single addresses: link-local
# IPv4 holds AWS/Azure/GCP/Oracle/OpenStack metadata (169.254.169.254), ECS task
# credentials (169.254.170.2), EKS Pod Identity (169.254.170.23) and Tencent's
# (169.254.0.23); fd00:ec2::/64 the AWS IPv6 endpoints (::254 metadata, ::23 EKS Pod
# Identity); fe80::/10 is link-local IPv6. Alibaba's is 100.100.100.200. The names are
# caught before resolution; their addresses are caught after it anyway. IPv4-mapped,
# IPv4-compatible, NAT64 and 6to4 spellings of a denied IPv4 address are denied too.
DEFAULT_DENIED = (
    "169.254.0.0/16",
    "fe80::/10",
    "fd00:ec2::/64",
    "100.100.100.200",
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
)
DEFAULT_ALLOWED = ("*",)
# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the last 32 bits are the
# IPv4 address a NAT64 gateway connects to.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# What inet_aton reads as an IPv4 address: 2852039166, 0xa9fea9fe, 0251.0376.0251.0376,
# 169.254.43518 all reach 169.254.169.254 through the C resolver.
_LEGACY_IPV4 = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}")


def denied_hosts(configured: Sequence[str] | None, *, replace: bool = False) -> tuple[str, ...]:
    """The denied hosts of a deployment: the defaults plus ``configured`` (the setting
    ``GAUNTLET_DENIED_TARGET_HOSTS``), or ``configured`` alone when the operator asked
    to ``replace`` the defaults (``GAUNTLET_REPLACE_DEFAULT_DENIED_TARGET_HOSTS``)."""
    extra = tuple(configured or ())
    if replace:
        return extra
    return tuple(dict.fromkeys(DEFAULT_DENIED + extra))


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
    """The address ``text`` spells (an IPv6 zone dropped), in any notation the C
    resolver accepts for IPv4; None for a host name."""
    bare = text.strip("[]").split("%")[0]
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return _legacy_ipv4(bare)
    # ::ffff:169.254.169.254 reaches the same service as 169.254.169.254.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _legacy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    if not _LEGACY_IPV4.fullmatch(text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address may stand for (NAT64, 6to4, IPv4-compatible)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if any(ip in net for net in _NAT64) or (
        ip in _COMPATIBLE and int(ip) > 0xFFFF  # ::a9fe:a9fe, not :: or ::1
    ):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    return found


_COMPATIBLE = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class HostPolicy:
    """Allowed host patterns and denied hosts.

    Entries are host-name globs (``*.example.com``), IP addresses or CIDR networks
    (``10.0.0.0/8``). ``allowed`` defaults to any host; ``denied`` to the cloud metadata
    addresses (:data:`DEFAULT_DENIED`). Denied wins over allowed.
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
        if ip is not None:
            for candidate in (ip, *_embedded_ipv4(ip)):
                if any(candidate in net for net in networks):
                    return True
        return name is not None and any(fnmatch.fnmatchcase(name, pat) for pat in names)

    def _name_allowed(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pat) for pat in self._allowed[1])

    def _ip_allowed(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self._allowed[0])
