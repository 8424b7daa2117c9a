"""Where each partner's TAK server is, and how we prove who we are to it: the `[federation]`
tables of the admin's `DATA/tak.toml`, one per link.

    [federation.ly-tak]                  # the link's name (the ledger's user: federation:ly-tak)
    partner = "partner:ly"               # whose policy decides what goes (DATA/partners/*.toml)
    host = "tak.ly.example"
    port = 8089
    tls = true                           # false only for a server on this host (tests, a proxy)
    identity = "fed-ly"                  # our certificate: DATA/pki/clients/fed-ly.crt/.key
    # or, a certificate the partner's CA issued us (paths under DATA):
    # cert = "partners/ly/borderwatch.pem"
    # key = "partners/ly/borderwatch.key"
    ca = "partners/ly/ca.pem"            # the partner server's CA (default: ours, DATA/pki/ca.crt)
    check_hostname = true                # false: a server certificate without the host's name
                                         # (FreeTAKServer's own: CN=server, no SAN); the chain
                                         # is still checked against `ca`
    every_s = 1.0                        # how often what the policy now releases is looked at
    outbox_events = 5000                 # events waiting for the partner's server, at most
    # what its server sends us: the partner's patrols and their answers (joint patrols)
    max_message_bytes = 65536            # a larger event ends the connection (oversized)
    max_bytes_per_s = 1000000            # faster is read later (TCP slows the server)
    max_consecutive_bad = 20             # that many bad events in a row end it (abusive)
    max_patrols = 500                    # partner call signs taken, at most
    min_report_interval_s = 1.0          # a patrol's reports closer than this are dropped

The certificates are `borderwatch.pki`'s (`borderwatch certs issue fed-ly --agency
national_guard`) when the partner trusts our CA, or the files a partner's CA issued us. A
mistake (a field, a missing certificate file) is a `ConfigError` at start naming the file, the
link and the field.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Annotated

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.share.policy import PartnerAgency

__all__ = ["PartnerLink", "check_links", "link_ssl_context"]

Host = Annotated[str, msgspec.Meta(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\-]+$")]
RelPath = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class PartnerLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One outbound link to a partner's TAK server (see the module docstring)."""

    partner: PartnerAgency
    host: Host
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)]
    tls: bool = True
    identity: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")] | None = (
        None
    )
    cert: RelPath | None = None
    key: RelPath | None = None
    ca: RelPath | None = None
    check_hostname: bool = True
    callsign: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "borderwatch"
    every_s: Annotated[float, msgspec.Meta(ge=0.05, le=600.0)] = 1.0
    outbox_events: Annotated[int, msgspec.Meta(ge=10, le=1_000_000)] = 5000
    backoff_min_s: Annotated[float, msgspec.Meta(ge=0.05, le=600.0)] = 1.0
    backoff_max_s: Annotated[float, msgspec.Meta(ge=0.05, le=3600.0)] = 60.0
    write_timeout_s: Annotated[float, msgspec.Meta(ge=0.5, le=600.0)] = 10.0
    keepalive_s: Annotated[float, msgspec.Meta(ge=1.0, le=600.0)] = 15.0
    # What the partner's server sends us (its patrols, their answers), bounded as a device's
    # connection is (`service.joint_patrols`).
    max_message_bytes: Annotated[int, msgspec.Meta(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    max_bytes_per_s: Annotated[int, msgspec.Meta(ge=4096)] = 1_000_000
    max_consecutive_bad: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 20
    max_patrols: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 500
    min_report_interval_s: Annotated[float, msgspec.Meta(ge=0.0, le=3600.0)] = 1.0

    def __post_init__(self) -> None:
        if self.tls and self.identity is None and (self.cert is None or self.key is None):
            raise ValueError("`identity`: a TLS link needs `identity`, or `cert` and `key`")
        if self.identity is not None and (self.cert is not None or self.key is not None):
            raise ValueError("`identity`: give `identity` or `cert` and `key`, not both")
        if (self.cert is None) != (self.key is None):
            raise ValueError("`cert`: `cert` and `key` go together")
        if self.backoff_max_s < self.backoff_min_s:
            raise ValueError("`backoff_max_s`: less than `backoff_min_s`")

    def files(self, data_root: Path) -> tuple[Path, Path, Path]:
        """(certificate, key, CA) this link uses, as paths."""
        pki = data_root / "pki"
        if self.identity is not None:
            cert = pki / "clients" / f"{self.identity}.crt"
            key = pki / "clients" / f"{self.identity}.key"
        else:
            assert self.cert is not None
            assert self.key is not None
            cert, key = data_root / self.cert, data_root / self.key
        ca = data_root / self.ca if self.ca is not None else pki / "ca.crt"
        return cert, key, ca


def link_ssl_context(link: PartnerLink, data_root: Path) -> ssl.SSLContext:
    """TLS ≥ 1.2 to the partner's server: our certificate, trusting only `ca`. Read at each
    connection, so renewed files are taken without a restart."""
    cert, key, ca = link.files(data_root)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = link.check_hostname
    ctx.load_verify_locations(cafile=ca)
    ctx.load_cert_chain(cert, key)
    return ctx


def check_links(links: dict[str, PartnerLink], data_root: Path, source: str) -> None:
    """Every TLS link's certificate files exist and load: `ConfigError` naming the link and
    the file otherwise (a typo found at start, not at the first connection)."""
    for name, link in links.items():
        if not link.tls:
            continue
        for field, path in zip(("cert", "key", "ca"), link.files(data_root), strict=True):
            if not path.is_file():
                raise ConfigError(source, f"`federation.{name}.{field}`: no file {path}")
        try:
            link_ssl_context(link, data_root)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(
                source, f"`federation.{name}`: certificates do not load: {exc}"
            ) from exc
