"""The CA: real TLS handshakes on loopback. A client with our certificate gets through and
the server learns its name and agency; one without a certificate, or with a certificate from
another CA, is refused. And the files: keys 0600, no overwritten CA, an ATAK bundle."""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from borderwatch.pki import (
    CertificateError,
    client_ssl_context,
    init_ca,
    issue,
    issue_server,
    peer_identity,
    server_ssl_context,
)
from tests.cli import one_line, run_cli


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our CA, with a radar at T06 (army) and an ATAK phone (no agency)."""
    directory = tmp_path_factory.mktemp("data") / "pki"
    init_ca(directory, hosts=["bw.example", "10.1.2.3"])
    issue(directory, "T06-R", organisational_unit="army")
    issue(directory, "atak-07", p12_password="correct horse battery")
    return directory


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Somebody else's CA, with a client of its own."""
    directory = tmp_path_factory.mktemp("other") / "pki"
    init_ca(directory)
    issue(directory, "T06-R", organisational_unit="army")
    return directory


async def _exchange(
    server_dir: Path, client: ssl.SSLContext, server_hostname: str = "localhost"
) -> tuple[list[tuple[str, str | None] | CertificateError], bytes | BaseException]:
    """Run our TLS server on loopback, connect once with `client`; the server writes back the
    peer's identity. Returns (what the server saw of each connection that got past the
    handshake, what the client read or its error)."""
    seen: list[tuple[str, str | None] | CertificateError] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            identity = peer_identity(writer.get_extra_info("ssl_object"))
        except CertificateError as exc:
            seen.append(exc)
            raise
        seen.append(identity)
        writer.write(f"{identity[0]}|{identity[1]}\n".encode())
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ssl_context(server_dir))
    port = server.sockets[0].getsockname()[1]
    result: bytes | BaseException
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client, server_hostname=server_hostname
        )
        try:
            result = await asyncio.wait_for(reader.readline(), 5)
        finally:
            writer.close()
            with contextlib.suppress(ssl.SSLError, ConnectionError):
                await writer.wait_closed()
    except (ssl.SSLError, ConnectionError) as exc:
        result = exc
    finally:
        server.close()
        await server.wait_closed()
    return seen, result


def _trusting(ca_dir: Path) -> ssl.SSLContext:
    """A client that trusts `ca_dir`'s CA and has no certificate of its own."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=ca_dir / "ca.crt")
    return ctx


def _refused(result: bytes | BaseException) -> bool:
    # TLS 1.3 sends the client certificate after the client thinks the handshake is done, so
    # the refusal reaches the client as an alert or as the server hanging up before a byte.
    return isinstance(result, BaseException) or result == b""


def test_client_with_our_certificate_connects(pki: Path) -> None:
    seen, result = asyncio.run(_exchange(pki, client_ssl_context(pki, "T06-R")))
    assert seen == [("T06-R", "army")]
    assert result == b"T06-R|army\n"


def test_client_without_agency_has_no_ou(pki: Path) -> None:
    seen, result = asyncio.run(_exchange(pki, client_ssl_context(pki, "atak-07")))
    assert seen == [("atak-07", None)]
    assert result == b"atak-07|None\n"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "bw.example", "10.1.2.3"])
def test_server_certificate_names(pki: Path, host: str) -> None:
    # The client checks the server's name; 10.1.2.3 and bw.example came from `hosts`.
    _, result = asyncio.run(_exchange(pki, client_ssl_context(pki, "T06-R"), host))
    assert result == b"T06-R|army\n"


def test_client_refuses_a_server_not_named_in_its_certificate(pki: Path) -> None:
    seen, result = asyncio.run(_exchange(pki, client_ssl_context(pki, "T06-R"), "evil.example"))
    assert isinstance(result, ssl.SSLCertVerificationError)
    assert seen == []


def test_client_without_certificate_is_refused(pki: Path) -> None:
    seen, result = asyncio.run(_exchange(pki, _trusting(pki)))
    assert _refused(result), result
    assert seen == []


def test_certificate_from_another_ca_is_refused(pki: Path, other_pki: Path) -> None:
    # Trusts our server, but presents a certificate (same CN and OU) signed by another CA.
    client = _trusting(pki)
    client.load_cert_chain(other_pki / "clients/T06-R.crt", other_pki / "clients/T06-R.key")
    seen, result = asyncio.run(_exchange(pki, client))
    assert _refused(result), result
    assert seen == []


def test_client_refuses_a_server_from_another_ca(pki: Path, other_pki: Path) -> None:
    seen, result = asyncio.run(_exchange(other_pki, client_ssl_context(pki, "T06-R")))
    assert isinstance(result, ssl.SSLCertVerificationError)
    assert seen == []


def test_server_context_settings(pki: Path) -> None:
    ctx = server_ssl_context(pki)
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    # Trusts exactly one CA: ours, not the system's.
    (ca,) = ctx.get_ca_certs()
    assert (("organizationName", "borderwatch"),) in ca["subject"]


def test_files_and_modes(pki: Path) -> None:
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700
    for key in ["ca.key", "server.key", "clients/T06-R.key", "clients/atak-07.p12"]:
        assert stat.S_IMODE((pki / key).stat().st_mode) == 0o600, key
    ca = x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes())
    client = x509.load_pem_x509_certificate((pki / "clients/T06-R.crt").read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (ca.not_valid_after_utc - ca.not_valid_before_utc).days >= 3650
    usage = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert client.issuer == ca.subject


def test_p12_bundle_opens_with_its_password(pki: Path) -> None:
    data = (pki / "clients/atak-07.p12").read_bytes()
    bundle = pkcs12.load_pkcs12(data, b"correct horse battery")
    assert bundle.key is not None
    assert bundle.cert is not None
    assert bundle.cert.friendly_name == b"atak-07"
    assert [c.certificate.subject for c in bundle.additional_certs] == [
        x509.load_pem_x509_certificate((pki / "ca.crt").read_bytes()).subject
    ]
    with pytest.raises(ValueError, match="password"):
        pkcs12.load_pkcs12(data, b"wrong password!!")
    assert not (pki / "clients/T06-R.p12").exists()  # only when a password is given


def test_init_refuses_to_overwrite_a_ca(pki: Path) -> None:
    before = (pki / "ca.key").read_bytes()
    with pytest.raises(CertificateError, match="already exists"):
        init_ca(pki)
    assert (pki / "ca.key").read_bytes() == before


def test_issue_refuses_to_overwrite_a_client(pki: Path) -> None:
    with pytest.raises(CertificateError, match="already issued"):
        issue(pki, "T06-R")


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "x" * 65, "T06 R"])
def test_issue_refuses_bad_names(pki: Path, name: str) -> None:
    with pytest.raises(CertificateError, match="name"):
        issue(pki, name)
    assert not (pki.parent / "escape.crt").exists()


def test_issue_and_contexts_need_a_ca(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match="certs init"):
        issue(tmp_path, "T06-R")
    with pytest.raises(CertificateError, match="certs init"):
        server_ssl_context(tmp_path)
    with pytest.raises(CertificateError, match="certs init"):
        client_ssl_context(tmp_path, "T06-R")


def test_client_context_needs_the_client(pki: Path) -> None:
    with pytest.raises(CertificateError, match="certs issue"):
        client_ssl_context(pki, "nobody")


def test_bad_host_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match="not a host name"):
        init_ca(tmp_path / "pki", hosts=["bad host!"])
    assert not (tmp_path / "pki").exists()


def test_cli_init_and_issue(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    pki_dir = data / "pki"
    code, _, err = run_cli(capsys, "certs", "issue", "T06-R", "--data", str(data))
    assert code == 2
    assert "certs init" in one_line(err)

    code, out, err = run_cli(capsys, "certs", "init", "--host", "bw.example", "--data", str(data))
    assert (code, err) == (0, "")
    assert str(pki_dir / "ca.crt") in out
    assert stat.S_IMODE(data.stat().st_mode) == 0o700

    code, out, err = run_cli(
        capsys, "certs", "issue", "T06-R", "--agency", "army", "--data", f"{data}"
    )
    assert (code, err) == (0, "")
    password = re.search(r"password: (\S+) \(shown only now\)", out)
    assert password is not None
    bundle = pkcs12.load_pkcs12(
        (pki_dir / "clients/T06-R.p12").read_bytes(), password.group(1).encode()
    )
    assert bundle.cert is not None
    subject = bundle.cert.certificate.subject
    assert subject.rfc4514_string() == "OU=army,CN=T06-R"
    assert password.group(1) not in "".join(p.name for p in pki_dir.rglob("*"))

    before = (pki_dir / "ca.key").read_bytes()
    for argv, names in [
        (["certs", "init"], "already exists"),
        (["certs", "issue", "T06-R"], "already issued"),
        (["certs", "issue", "T07-R", "--agency", "navy"], "unknown agency 'navy'"),
        (["certs", "issue", "../T07-R"], "name '../T07-R'"),
        (["certs", "renew"], "invalid choice: 'renew'"),
    ]:
        code, out, err = run_cli(capsys, *argv, "--data", str(data))
        assert code == 2, argv
        assert names in one_line(err), argv
        assert out == ""
    assert (pki_dir / "ca.key").read_bytes() == before
    assert sorted(p.name for p in (pki_dir / "clients").iterdir()) == [
        "T06-R.crt",
        "T06-R.key",
        "T06-R.p12",
    ]


def test_a_server_of_ours_has_its_own_certificate(tmp_path: Path) -> None:
    """A sector station's server: its own key, a server certificate our clients accept
    under the loopback names, never the room's `server.key`; issued once."""
    directory = tmp_path / "pki"
    init_ca(directory)
    cert_path, key_path = issue_server(directory, "station-a", hosts=["st-a.example"])
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes() != (directory / "server.key").read_bytes()
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "st-a.example" in names.get_values_for_type(x509.DNSName)
    assert cert.subject.rfc4514_string() == "CN=station-a"
    with pytest.raises(CertificateError, match="already issued"):
        issue_server(directory, "station-a")
    with pytest.raises(CertificateError, match="name"):
        issue_server(directory, "../escape")
