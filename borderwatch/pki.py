"""borderwatch's own certificate authority, for CoT over TLS (port 8089) with client
certificates: one CA per installation, one server certificate, one client certificate per
sensor or ATAK device. A connection without a certificate from this CA is refused.

Files, in `directory` (`DATA/pki/`; keys mode 0600, the directory 0700):

    ca.crt, ca.key             the CA: 10 years
    server.crt, server.key     the TLS server: localhost, 127.0.0.1, ::1, this host's name
                               and any `hosts` given; 2 years
    clients/NAME.crt, .key     a sensor or device: CN = NAME, OU = its agency; 2 years
    clients/NAME.p12           the same for ATAK (with the CA), when a password is given
    servers/NAME.crt, .key     another server of ours (a sector station's NATS server): CN =
                               NAME, the same host names as server.crt; 2 years

Keys are RSA 3072: the TAK world (TAK Server's CoT port, ATAK's key stores) expects RSA, and
3072 bits is NIST's size for use past 2030. The .p12 uses the legacy PKCS#12 algorithms
(3DES, SHA-1 MAC): ATAK's BouncyCastle fails on the SHA-256 MAC of modern files
(deptofdefense/AndroidTacticalAssaultKit-CIV#224); the file only carries the key to the device.
To shut a device out, `borderwatch certs revoke NAME` (borderwatch.revocation): the CA's signed
revocation list, which the CoT server re-reads while running.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import secrets
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from borderwatch.errors import BorderwatchError

__all__ = [
    "CertificateError",
    "client_ssl_context",
    "init_ca",
    "issue",
    "issue_server",
    "peer_identity",
    "server_ssl_context",
]

KEY_BITS = 3072
CA_DAYS = 10 * 365
LEAF_DAYS = 2 * 365
# A device whose clock is a little behind still accepts a certificate made just now.
_BACKDATE = dt.timedelta(minutes=5)
# A client name becomes a file name and a CN: no path separators, no leading dot.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_OU = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_DNS = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


class CertificateError(BorderwatchError):
    """The CA at `path` cannot do what was asked; `reason` says why in one line."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def init_ca(directory: Path, *, hosts: Sequence[str] = ()) -> Path:
    """Make the CA and the server certificate in `directory`; returns the CA certificate.

    Refuses to overwrite an existing CA: every certificate it issued would stop working.
    """
    if (directory / "ca.key").exists() or (directory / "ca.crt").exists():
        raise CertificateError(
            directory,
            "a CA already exists here; remove the directory to start over "
            "(every certificate it issued stops working)",
        )
    names = _server_names(hosts)
    now = _now()
    ca_key = _new_key()
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "borderwatch"),
            # A random suffix: two installations' CAs never share a name.
            x509.NameAttribute(NameOID.COMMON_NAME, f"borderwatch CA {secrets.token_hex(4)}"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = _new_key()
    server_cert = _leaf(
        ca_cert,
        ca_key,
        server_key,
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "borderwatch server")]),
        ExtendedKeyUsageOID.SERVER_AUTH,
        x509.SubjectAlternativeName(names),
    )
    _make_private(directory)
    _write_key(directory / "server.key", server_key)
    _write(directory / "server.crt", server_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(directory / "ca.key", ca_key)
    _write(directory / "ca.crt", ca_cert.public_bytes(serialization.Encoding.PEM))
    return directory / "ca.crt"


def issue(
    directory: Path,
    name: str,
    *,
    organisational_unit: str | None = None,
    p12_password: str | None = None,
) -> tuple[Path, Path]:
    """A client certificate and key for a sensor or device (CN = `name`, OU = its agency);
    with `p12_password`, also `clients/NAME.p12` for ATAK. Returns (certificate, key)."""
    if not _NAME.match(name):
        raise CertificateError(
            directory, f"name {name!r}: 1-64 letters, digits, _ . -, not starting with . - _"
        )
    if organisational_unit is not None and not _OU.match(organisational_unit):
        raise CertificateError(directory, f"organisational unit {organisational_unit!r}: bad")
    ca_cert, ca_key = _load_ca(directory)
    clients = directory / "clients"
    cert_path, key_path = clients / f"{name}.crt", clients / f"{name}.key"
    if cert_path.exists() or key_path.exists():
        raise CertificateError(cert_path, "already issued; remove it (and its .key) to re-issue")
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if organisational_unit is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organisational_unit))
    key = _new_key()
    cert = _leaf(ca_cert, ca_key, key, x509.Name(attributes), ExtendedKeyUsageOID.CLIENT_AUTH)
    clients.mkdir(mode=0o700, exist_ok=True)
    _write_key(key_path, key)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    if p12_password is not None:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(50_000)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())  # what ATAK can read: see the module doc
            .build(p12_password.encode())
        )
        bundle = pkcs12.serialize_key_and_certificates(
            name.encode(), key, cert, [ca_cert], encryption
        )
        _write(clients / f"{name}.p12", bundle, mode=0o600)
    return cert_path, key_path


def issue_server(directory: Path, name: str, *, hosts: Sequence[str] = ()) -> tuple[Path, Path]:
    """A server certificate and key for another server of ours (CN = `name`; localhost, the
    loopback addresses, this host's name and `hosts`): `servers/NAME.crt`, `.key`. A sector
    station's NATS server presents its own, never the room's `server.key`, so a station
    cannot pass itself off as the room's servers. Returns (certificate, key)."""
    if not _NAME.match(name):
        raise CertificateError(
            directory, f"name {name!r}: 1-64 letters, digits, _ . -, not starting with . - _"
        )
    ca_cert, ca_key = _load_ca(directory)
    servers = directory / "servers"
    cert_path, key_path = servers / f"{name}.crt", servers / f"{name}.key"
    if cert_path.exists() or key_path.exists():
        raise CertificateError(cert_path, "already issued; remove it (and its .key) to re-issue")
    key = _new_key()
    cert = _leaf(
        ca_cert,
        ca_key,
        key,
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
        ExtendedKeyUsageOID.SERVER_AUTH,
        x509.SubjectAlternativeName(_server_names(hosts)),
    )
    servers.mkdir(mode=0o700, exist_ok=True)
    _write_key(key_path, key)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_ssl_context(directory: Path) -> ssl.SSLContext:
    """TLS ≥ 1.2 for the CoT server: our server certificate, client certificates required,
    and trusting only our CA."""
    _require(directory, "ca.crt", "server.crt", "server.key")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(directory / "server.crt", directory / "server.key")
    ctx.load_verify_locations(cafile=directory / "ca.crt")
    return ctx


def client_ssl_context(directory: Path, name: str) -> ssl.SSLContext:
    """TLS ≥ 1.2 for a sensor or a test client: presents `clients/NAME.crt`, trusts only our
    CA, and checks the server's name."""
    _require(directory, "ca.crt", f"clients/{name}.crt", f"clients/{name}.key")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cafile=directory / "ca.crt")
    ctx.load_cert_chain(
        directory / "clients" / f"{name}.crt", directory / "clients" / f"{name}.key"
    )
    return ctx


def peer_identity(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> tuple[str, str | None]:
    """(CN, OU) of a connected peer's certificate (OU None if it has none)."""
    der = ssl_object.getpeercert(binary_form=True)
    if der is None:
        raise CertificateError("peer", "presented no certificate")
    subject = x509.load_der_x509_certificate(der).subject
    cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ou = subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    if not cn:
        raise CertificateError("peer", "certificate has no common name")
    return _text(cn[0].value), _text(ou[0].value) if ou else None


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf(
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    san: x509.SubjectAlternativeName | None = None,
) -> x509.Certificate:
    """A certificate for `key` signed by the CA, for one use (server or client auth)."""
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if san is not None:
        builder = builder.add_extension(san, critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _server_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    """localhost, the loopback addresses, this machine's name and `hosts`, without repeats."""
    names: list[x509.GeneralName] = []
    own = socket.gethostname()
    # This machine's name goes in only if it is a valid DNS name (some are not, e.g. "my_pc").
    for host in ["localhost", "127.0.0.1", "::1", *([own] if _DNS.match(own) else []), *hosts]:
        try:
            general: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            if not _DNS.match(host):
                raise CertificateError(
                    "--host", f"{host!r} is not a host name or IP address"
                ) from None
            general = x509.DNSName(host.lower())
        if general not in names:
            names.append(general)
    return names


def _load_ca(directory: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    _require(directory, "ca.crt", "ca.key")
    cert = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
    key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(directory / "ca.key", "not an RSA private key")
    return cert, key


def _require(directory: Path, *files: str) -> None:
    for name in files:
        if not (directory / name).is_file():
            hint = (
                "run `borderwatch certs init`"
                if name.startswith(("ca.", "server."))
                else "issue it with `borderwatch certs issue`"
            )
            raise CertificateError(directory / name, f"missing; {hint}")


def _make_private(directory: Path) -> None:
    """Make `directory` and any missing parents, each owner-only (mkdir's `parents` would
    leave the parents at the default mode)."""
    for d in [*reversed(directory.parents), directory]:
        if not d.exists():
            d.mkdir(mode=0o700)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the file mode protects it; a service cannot type
    )
    _write(path, pem, mode=0o600)


def _write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write a new file with `mode` from the start (never world-readable for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
