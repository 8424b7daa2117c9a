"""Certificate revocation for borderwatch's CA: `borderwatch certs revoke NAME` puts the
certificate's serial on the CA's revocation list (`DATA/pki/crl.pem`, a standard X.509 CRL
signed by the CA, so other tools can read it too), and the running CoT server, which looks
at that file every `revocation_check_s`, refuses the certificate at its next handshake and
drops its open connections (a stolen ATAK phone loses its access within seconds).

Checked by us after the handshake rather than by OpenSSL's CRL flags: the server's SSL context
is made once, and a list re-read while running must also end connections already open.
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from borderwatch.pki import CertificateError

__all__ = ["CRL_FILE", "Revocations", "peer_serial", "revoke"]

CRL_FILE = "crl.pem"
_NEXT_UPDATE = dt.timedelta(days=30)


def _ca(directory: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    for name in ("ca.crt", "ca.key"):
        if not (directory / name).is_file():
            raise CertificateError(directory / name, "missing; run `borderwatch certs init`")
    cert = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
    key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(directory / "ca.key", "not an RSA private key")
    return cert, key


def _load(directory: Path, ca: x509.Certificate) -> x509.CertificateRevocationList | None:
    path = directory / CRL_FILE
    if not path.exists():
        return None
    crl = x509.load_pem_x509_crl(path.read_bytes())
    public = ca.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or not crl.is_signature_valid(public):
        raise CertificateError(path, "not signed by this CA")
    return crl


def revoke(directory: Path, name: str) -> int:
    """Revoke `clients/NAME.crt`; returns its serial. Revoking twice is harmless."""
    cert_path = directory / "clients" / f"{name}.crt"
    if not cert_path.is_file():
        raise CertificateError(cert_path, "no such certificate was issued here")
    serial = x509.load_pem_x509_certificate(cert_path.read_bytes()).serial_number
    ca, key = _ca(directory)
    old = _load(directory, ca)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now)
        .next_update(now + _NEXT_UPDATE)
    )
    known = set()
    for entry in old or ():
        known.add(entry.serial_number)
        builder = builder.add_revoked_certificate(entry)
    if serial not in known:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    crl = builder.sign(key, hashes.SHA256())
    tmp = directory / f".{CRL_FILE}.tmp"
    tmp.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp, directory / CRL_FILE)  # a reader sees the old list or the new, whole
    return serial


class Revocations:
    """The revoked serials of the CA in `directory`, re-read when the file changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._stamp: tuple[int, int] | None = None
        self._serials: frozenset[int] = frozenset()

    def serials(self) -> frozenset[int]:
        """The serials revoked now (one `stat` when nothing changed)."""
        path = self.directory / CRL_FILE
        try:
            st = path.stat()
        except FileNotFoundError:
            return self._serials
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            ca, _ = _ca(self.directory)
            crl = _load(self.directory, ca)
            self._serials = frozenset(e.serial_number for e in crl or ())
            self._stamp = stamp
        return self._serials


def peer_serial(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> int | None:
    """The serial of the peer's certificate (None if it showed none)."""
    der = ssl_object.getpeercert(binary_form=True)
    return None if der is None else x509.load_der_x509_certificate(der).serial_number
