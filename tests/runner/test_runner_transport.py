"""The runner's transports (runner/_stdlib_transport.py, runner/_transport.py) keep every
guard on their own, below TargetClient's checks of the URL: the host policy on the
address actually connected, the overall deadline against a target that drips its answer,
TLS verification as configured.

Requests here go straight to a transport (an httpx.Request), so a check of the URL before
sending cannot be what refuses them: only the connect-time check can.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runner import HostPolicy, ObservedResponse, OutgoingRequest, TargetClient, TargetError
from runner._stdlib_transport import StdlibTransport
from runner._transport import GuardedTransport
from runner.target import Transport
from tests.support.pets_target import PetsTarget

TRANSPORTS: list[Transport] = ["stdlib", "httpcore"]
# Loopback, every spelling: what the tests deny stands in for a metadata service (which
# nothing here can reach), so that a missing check shows as a request that got through.
LOOPBACK_DENIED = HostPolicy(denied=("127.0.0.0/8", "::1"))


def transport_for(kind: Transport, policy: HostPolicy, verify: bool = True) -> httpx.BaseTransport:
    return StdlibTransport(policy, verify) if kind == "stdlib" else GuardedTransport(policy, verify)


def send_raw(transport: httpx.BaseTransport, url: str) -> httpx.Response:
    request = httpx.Request("GET", url, extensions={"timeout": httpx.Timeout(2.0).as_dict()})
    response = transport.handle_request(request)
    response.read()
    response.close()
    return response


@pytest.fixture(params=TRANSPORTS)
def kind(request: pytest.FixtureRequest) -> Transport:
    return request.param  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "host",
    [
        "localhost",  # a name resolving to a denied address
        "127.0.0.1",
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "2130706433",  # one decimal number
        "0x7f000001",  # hex
        "0177.1",  # octal, a.b form
        "127.1",
    ],
)
def test_a_denied_address_is_refused_when_connecting_in_any_spelling(
    kind: Transport, target: PetsTarget, host: str
) -> None:
    port = target.url.rsplit(":", 1)[1]
    target.reset()
    transport = transport_for(kind, LOOPBACK_DENIED)

    with pytest.raises(TargetError, match=r"resolves to 127\.0\.0\.1, which is denied") as caught:
        send_raw(transport, f"http://{host}:{port}/echo")

    assert caught.value.kind == "denied"
    assert target.hits() == 0
    transport.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://2852039166/latest/meta-data/",  # 169.254.169.254, no dot
        "http://0xa9fea9fe/latest/meta-data/",
        "http://0251.0376.43518/latest/",  # octal, a.b.c (httpx refuses a.b.c.d octal)
        "http://169.254.43518/latest/",
        "http://[::ffff:169.254.169.254]/latest/",
        "http://[64:ff9b::a9fe:a9fe]/latest/",
    ],
)
def test_metadata_spellings_are_refused_without_a_connection_attempt(
    kind: Transport, url: str
) -> None:
    transport = transport_for(kind, HostPolicy())

    with pytest.raises(TargetError, match="which is denied") as caught:
        send_raw(transport, url)

    assert caught.value.kind == "denied"


def test_an_allowed_address_gets_through(kind: Transport, target: PetsTarget) -> None:
    transport = transport_for(kind, HostPolicy(allowed=("127.0.0.0/8",)))

    assert send_raw(transport, f"{target.url}/echo").status_code == 200
    transport.close()


class Drip:
    """A target that answers one byte at a time, a tenth of a second apart: in its
    headers (``headers=True``) or in a body of 600 bytes. Each byte comes well within any
    read timeout, so only an overall deadline cuts it."""

    def __init__(self, headers: bool) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.headers = headers
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                if self.headers:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
                    endless = b"a" * 600
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n")
                    endless = b"a" * 600
                for byte in endless:
                    if self.stop.wait(0.1):
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dripping_target_is_cut_at_the_total_timeout(where: str) -> None:
    # The stdlib transport bounds every read by the deadline. (The httpcore one checks it
    # between body chunks only: it cuts a dripping body, not dripping headers.)
    drip = Drip(headers=where == "headers")
    try:
        with (
            TargetClient(read_timeout=1.0, total_timeout=0.5, transport="stdlib") as client,
            pytest.raises(TargetError, match=r"took longer than 0\.5s in all") as caught,
        ):
            client.send(OutgoingRequest("GET", drip.url))
    finally:
        drip.close()

    assert caught.value.kind == "timeout"


def test_the_httpcore_transport_cuts_a_dripping_body_at_the_total_timeout() -> None:
    drip = Drip(headers=False)
    try:
        with (
            TargetClient(read_timeout=1.0, total_timeout=0.5, transport="httpcore") as client,
            pytest.raises(TargetError, match=r"took longer than 0\.5s in all"),
        ):
            client.send(OutgoingRequest("GET", drip.url))
    finally:
        drip.close()


def test_a_keep_alive_connection_is_reused_and_a_closed_one_replaced(
    kind: Transport, target: PetsTarget
) -> None:
    with TargetClient(transport=kind) as client:
        for _ in range(3):
            assert client.send(OutgoingRequest("GET", f"{target.url}/echo")).status == 200
        # /reset drops the connection; the next request opens a new one.
        with pytest.raises(TargetError):
            client.send(OutgoingRequest("GET", f"{target.url}/reset"))
        assert client.send(OutgoingRequest("GET", f"{target.url}/echo")).status == 200


def answer_once(kind: Transport, raw: bytes) -> ObservedResponse:
    """Send one GET to a server that answers ``raw`` and closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(raw)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with TargetClient(transport=kind) as client:
            return client.send(OutgoingRequest("GET", f"http://127.0.0.1:{port}/"))
    finally:
        thread.join(timeout=5)
        listener.close()


def test_a_body_cut_short_is_a_reset_not_a_short_answer(kind: Transport) -> None:
    with pytest.raises(TargetError) as caught:
        answer_once(kind, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")

    assert caught.value.kind == "reset"


def test_informational_answers_are_skipped(kind: Transport) -> None:
    response = answer_once(
        kind,
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    )

    assert (response.status, response.body, "link" in response.headers) == (200, b"ok", False)


def test_repeated_and_folded_headers_come_back_as_sent(kind: Transport) -> None:
    many = b"".join(b"X-H%d: %d\r\n" % (i, i) for i in range(150))
    response = answer_once(
        kind,
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
        + many
        + b"Content-Length: 0\r\n\r\n",
    )

    assert response.headers["set-cookie"] == "a=1, b=2"
    assert response.headers["x-h149"] == "149"


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=["no-colon", "two-lengths", "unknown-encoding", "space-in-name"],
)
def test_a_malformed_answer_is_a_protocol_error(kind: Transport, raw: bytes) -> None:
    with pytest.raises(TargetError) as caught:
        answer_once(kind, raw)

    assert caught.value.kind == "protocol"


# TLS: a server with a self-signed certificate for 127.0.0.1.


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gauntlet-test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = PetsTarget()
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.start()
    yield server.url.replace("http://", "https://")
    server.stop()


def test_an_unverifiable_certificate_is_refused_when_verifying(
    kind: Transport, tls_url: str
) -> None:
    with TargetClient(transport=kind) as client, pytest.raises(TargetError) as caught:
        client.send(OutgoingRequest("GET", f"{tls_url}/health"))

    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message


def test_without_verification_a_self_signed_target_answers(kind: Transport, tls_url: str) -> None:
    with TargetClient(transport=kind, verify=False) as client:
        for _ in range(2):  # the second over the kept-alive TLS connection
            response = client.send(OutgoingRequest("GET", f"{tls_url}/health"))
            assert response.status == 200


def test_the_deadline_does_not_outlive_its_request(kind: Transport, target: PetsTarget) -> None:
    # A keep-alive connection opened by a request whose deadline has passed serves the
    # next request under that request's deadline.
    with TargetClient(transport=kind, total_timeout=0.3) as client:
        client.send(OutgoingRequest("GET", f"{target.url}/echo"))
        time.sleep(0.4)
        assert client.send(OutgoingRequest("GET", f"{target.url}/echo")).status == 200


def test_a_silent_target_is_named_by_the_read_timeout_when_it_is_no_longer_than_the_total(
    kind: Transport, target: PetsTarget
) -> None:
    with (
        TargetClient(read_timeout=0.3, total_timeout=0.3, transport=kind) as client,
        pytest.raises(TargetError, match=r"timed out waiting for .* after 0\.3s") as caught,
    ):
        client.send(OutgoingRequest("GET", f"{target.url}/hang"))

    assert caught.value.kind == "timeout"


def test_a_silent_target_is_named_by_the_total_when_the_read_timeout_is_longer(
    target: PetsTarget,
) -> None:
    with (
        TargetClient(read_timeout=5.0, total_timeout=0.3, transport="stdlib") as client,
        pytest.raises(TargetError, match=r"took longer than 0\.3s in all") as caught,
    ):
        client.send(OutgoingRequest("GET", f"{target.url}/hang"))

    assert caught.value.kind == "timeout"
