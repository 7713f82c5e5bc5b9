"""The default deny list (issue 12, item 6): every spelling of a cloud metadata or
credentials endpoint, and link-local space, is denied by default; an operator's list adds
to the defaults unless replacing them is asked for explicitly.

Only policy decisions are tested here (nothing connects): a denied host is refused
before any connection is opened.
"""

from __future__ import annotations

import pytest

from core.settings import Settings
from runner import DEFAULT_DENIED, HostPolicy, TargetClient, TargetError, denied_hosts
from runner.prepare import OutgoingRequest

DENIED_SPELLINGS = [
    # AWS/Azure/GCP/Oracle metadata, in every notation the C resolver reads as IPv4.
    "169.254.169.254",
    "2852039166",  # one decimal number
    "0xa9fea9fe",  # hex
    "0xA9.0xFE.0xA9.0xFE",  # dotted hex
    "0251.0376.0251.0376",  # dotted octal
    "169.254.43518",  # a.b.c with a 16-bit last part
    "169.16689662",  # a.b with a 24-bit last part
    # ECS task credentials, EKS Pod Identity, Tencent, anything link-local.
    "169.254.170.2",
    "169.254.170.23",
    "169.254.0.23",
    "169.254.1.1",
    # IPv6: AWS endpoints, link-local (with a zone, as written in a URL and not).
    "fd00:ec2::254",
    "fd00:ec2::23",
    "[fd00:ec2::23]",
    "fe80::1",
    "fe80::a9fe:a9fe%eth0",
    "[fe80::1%25eth0]",
    "febf:ffff::1",
    # IPv4-mapped, IPv4-compatible, NAT64 (well-known and local-use prefixes) and 6to4.
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "[::ffff:169.254.170.2]",
    "::169.254.169.254",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::169.254.169.254",
    "64:ff9b:1::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
    "::ffff:100.100.100.200",
    "64:ff9b::6464:64c8",  # Alibaba's 100.100.100.200 through NAT64
    # Alibaba; metadata names, in any case, with the root dot.
    "100.100.100.200",
    "metadata.google.internal",
    "METADATA.Google.Internal.",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
]

ALLOWED = [
    "127.0.0.1",
    "::1",
    "api.example.com",
    "10.1.2.3",
    "169.255.0.1",
    "fec0::1",
    "2001:db8::1",
]


@pytest.mark.parametrize("host", DENIED_SPELLINGS)
def test_every_spelling_of_a_metadata_or_link_local_host_is_denied(host: str) -> None:
    with pytest.raises(TargetError, match="denied") as caught:
        HostPolicy().check_host(host)
    assert caught.value.kind == "denied"


@pytest.mark.parametrize("host", ALLOWED)
def test_ordinary_hosts_are_not_denied_by_default(host: str) -> None:
    HostPolicy().check_host(host)


@pytest.mark.parametrize(
    "address",
    ["169.254.170.2", "fd00:ec2::23", "fe80::1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe"],
)
def test_a_name_resolving_to_a_denied_address_is_denied(address: str) -> None:
    with pytest.raises(TargetError, match=r"resolves to .*, which is denied"):
        HostPolicy().check_addresses("innocent.example.com", [address])


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.170.2/v2/credentials/x",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "http://[fe80::1%25eth0]:8080/",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "http://0251.0376.0251.0376/latest/",
        "http://instance-data/latest/",
    ],
)
def test_the_target_client_refuses_them_before_connecting(url: str) -> None:
    with TargetClient() as client, pytest.raises(TargetError) as caught:
        client.send(OutgoingRequest("GET", url))
    assert caught.value.kind == "denied"


def test_an_operators_list_adds_to_the_defaults() -> None:
    denied = denied_hosts(["10.0.0.0/8", "*.internal"])
    assert set(DEFAULT_DENIED) < set(denied)
    policy = HostPolicy(denied=denied)
    for host in ("10.9.9.9", "db.internal", "169.254.170.2", "fd00:ec2::23"):
        with pytest.raises(TargetError):
            policy.check_host(host)


def test_replacing_the_defaults_takes_an_explicit_setting() -> None:
    replaced = HostPolicy(denied=denied_hosts(["10.0.0.0/8"], replace=True))
    replaced.check_host("169.254.170.2")
    with pytest.raises(TargetError):
        replaced.check_host("10.0.0.1")
    assert denied_hosts(None) == DEFAULT_DENIED
    assert denied_hosts([], replace=True) == ()


def test_the_settings_read_from_the_environment_add_unless_told_to_replace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GAUNTLET_DENIED_TARGET_HOSTS", '["10.0.0.0/8"]')
    settings = Settings()
    hosts = denied_hosts(
        settings.denied_target_hosts, replace=settings.replace_default_denied_target_hosts
    )
    assert "169.254.0.0/16" in hosts and "10.0.0.0/8" in hosts
    monkeypatch.setenv("GAUNTLET_REPLACE_DEFAULT_DENIED_TARGET_HOSTS", "true")
    settings = Settings()
    hosts = denied_hosts(
        settings.denied_target_hosts, replace=settings.replace_default_denied_target_hosts
    )
    assert hosts == ("10.0.0.0/8",)
